/* global window, document, URL, URLSearchParams */
/**
 * Tally's host-page helper (docs/embedding.md). Include it from your Tally server:
 *
 *   <script src="https://billing.example.com/embed.js"></script>
 *   <div id="billing"></div>
 *   <script>
 *     const tally = Tally.embed({ url: EMBED_LINK, container: '#billing', theme: 'dark', primaryColor: '#0ca678', hideNavigation: true });
 *     tally.navigate('/usage');
 *   </script>
 *
 * It creates the iframe, sizes it to the height Tally reports, and sends the
 * theme / navigation / page messages. It only accepts messages from the Tally
 * origin of the link it was given, and only from the frames it created.
 */
(function () {
  'use strict';
  if (window.Tally) return;

  var dashboards = [];

  function resolveContainer(container) {
    var element = typeof container === 'string' ? document.querySelector(container) : container;
    if (!element) throw new Error('Tally: no element matches ' + String(container));
    return element;
  }

  function linkOf(url) {
    var parsed = new URL(url, window.location.href);
    var match = /^\/embed\/[^/]+/.exec(parsed.pathname);
    if (!match) throw new Error('Tally: ' + url + ' is not an embed link (…/embed/<token>)');
    return { origin: parsed.origin, base: parsed.origin + match[0], search: parsed.search };
  }

  function makeFrame(options, src, title) {
    var frame = document.createElement('iframe');
    frame.src = src;
    frame.title = options.title || title;
    frame.style.border = '0';
    frame.style.width = options.width || '100%';
    frame.style.height = (options.height || 600) + 'px';
    frame.setAttribute('referrerpolicy', 'origin');
    resolveContainer(options.container).appendChild(frame);
    return frame;
  }

  function listen(frame, origin, handlers) {
    function onMessage(event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (!data || typeof data.type !== 'string' || data.type.indexOf('tally:') !== 0) return;
      var handler = handlers[data.type];
      if (handler) handler(data);
    }
    window.addEventListener('message', onMessage);
    return function () {
      window.removeEventListener('message', onMessage);
    };
  }

  /**
   * The full dashboard in an iframe.
   * options: url (the embed link), container (element or selector), page ('/usage'…),
   * theme ('light' | 'dark'), primaryColor ('#rrggbb'), hideNavigation (boolean),
   * autoHeight (default true), onReady / onNavigate / onHeight callbacks.
   */
  function embed(options) {
    var link = linkOf(options.url);
    var page = options.page && options.page.charAt(0) === '/' ? options.page : '';
    // The first paint already has the host's look: the same settings ride on the link's query.
    var query = new URLSearchParams(link.search);
    if (options.theme) query.set('theme', options.theme);
    if (options.primaryColor) query.set('primary', options.primaryColor);
    if (options.hideNavigation) query.set('nav', 'hidden');
    var search = query.toString() ? '?' + query.toString() : '';
    var frame = makeFrame(options, link.base + page + search, 'Billing dashboard');
    var ready = false;
    var queue = [];

    function send(message) {
      if (!ready) {
        queue.push(message);
        return;
      }
      frame.contentWindow.postMessage(message, link.origin);
    }

    var api = {
      frame: frame,
      base: link.base,
      navigate: function (path) {
        send({ type: 'tally:navigate', page: path });
      },
      setTheme: function (theme) {
        send({ type: 'tally:theme', colorScheme: theme.colorScheme, primaryColor: theme.primaryColor });
      },
      hideNavigation: function (hidden) {
        send({ type: 'tally:navigation', hidden: hidden !== false });
      },
      destroy: function () {
        stop();
        frame.remove();
        dashboards = dashboards.filter(function (d) {
          return d !== api;
        });
      },
    };

    var stop = listen(frame, link.origin, {
      'tally:ready': function (data) {
        ready = true;
        var pending = queue;
        queue = [];
        pending.forEach(send);
        if (options.onReady) options.onReady(data);
      },
      'tally:height': function (data) {
        if (options.autoHeight !== false && typeof data.height === 'number' && data.height > 0) frame.style.height = Math.ceil(data.height) + 'px';
        if (options.onHeight) options.onHeight(data.height);
      },
      'tally:navigated': function (data) {
        if (options.onNavigate) options.onNavigate(data.page);
      },
    });

    if (options.theme || options.primaryColor) api.setTheme({ colorScheme: options.theme, primaryColor: options.primaryColor });
    if (options.hideNavigation) api.hideNavigation(true);
    dashboards.push(api);
    return api;
  }

  /**
   * A widget in a small iframe: 'credit-badge', 'mini-bars' or 'balance-card'.
   * options: url (the embed link), widget, container, width, height, onOpen(page).
   * A click on a widget opens the page in the dashboard on this page when there
   * is one, else in a new tab (onOpen replaces both).
   */
  function widget(options) {
    var link = linkOf(options.url);
    var sizes = { 'credit-badge': [220, 44], 'mini-bars': [320, 150], 'balance-card': [380, 170] };
    var size = sizes[options.widget] || [320, 150];
    var frame = makeFrame(
      { container: options.container, title: options.title, width: (options.width || size[0]) + 'px', height: options.height || size[1] },
      link.base + '/widgets/' + encodeURIComponent(options.widget) + link.search,
      'Credits',
    );
    var stop = listen(frame, link.origin, {
      'tally:height': function (data) {
        if (typeof data.height === 'number' && data.height > 0) frame.style.height = Math.ceil(data.height) + 'px';
      },
      'tally:open': function (data) {
        if (options.onOpen) return options.onOpen(data.page);
        var dashboard = dashboards[0];
        if (dashboard) {
          dashboard.navigate(data.page);
          dashboard.frame.scrollIntoView({ behavior: 'smooth' });
        } else {
          window.open(link.base + data.page + link.search, '_blank', 'noopener');
        }
      },
    });
    return {
      frame: frame,
      destroy: function () {
        stop();
        frame.remove();
      },
    };
  }

  window.Tally = { embed: embed, widget: widget };
})();
