import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { TallyApiError } from '../../../src/client/index.js';
import { api, credentials } from '../api.js';
import { SignedInApp } from '../App.js';
import { Loading } from '../components/States.js';
import { EmbedFailed } from '../pages/embed/EmbedPage.js';
import { Providers, queryClient } from '../providers.js';
import type { SignedIn } from '../session.js';
import { HostContext, parseCommand, postToHost, settingsFromQuery, type HostSettings, type TallyEvent } from './host.js';

const Widget = lazy(() => import('./Widgets.js'));

type Opening = { state: 'opening' } | { state: 'open'; allowed: string[] } | { state: 'failed'; expired: boolean; message: string };

/**
 * The dashboard opened from an embed link, /embed/<token>/…: every page lives
 * under that prefix, so a reload (or a new tab) opens the link again, and the
 * server knows which organization's frame-ancestors apply. The token is
 * exchanged for a session secret that is kept in memory only.
 */
export function EmbedApp({ token, basename }: { token: string; basename: string }) {
  const [settings, setSettings] = useState<HostSettings>(() => settingsFromQuery(window.location.search));
  const [opening, setOpening] = useState<Opening>({ state: 'opening' });

  useEffect(() => {
    let cancelled = false;
    api
      .openEmbed(token)
      .then(async ({ session_token, ...session }) => {
        credentials.useEmbed(session_token);
        const org = await api.org(session.org_id);
        if (cancelled) return;
        queryClient.setQueryData<SignedIn>(['session'], { session, org });
        setOpening({ state: 'open', allowed: org.embed_origins });
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        credentials.clear();
        const expired = e instanceof TallyApiError && e.code === 'embed_link_expired';
        setOpening({ state: 'failed', expired, message: e instanceof Error ? e.message : 'This link could not be opened.' });
      });
    return () => {
      cancelled = true;
    };
  }, [token]);

  const allowed = opening.state === 'open' ? opening.allowed : [];
  // a widget sits in a small frame on the host's page: it loads in one line (decisions.md)
  const widget = window.location.pathname.startsWith(`${basename}/widgets/`);
  const post = useCallback((message: TallyEvent) => postToHost(allowed, message), [allowed]);
  const host = useMemo(() => ({ embedded: true, settings, post }), [settings, post]);

  return (
    <Providers settings={settings}>
      {opening.state === 'opening' && (widget ? <Loading compact /> : <Loading label="Opening the dashboard…" />)}
      {opening.state === 'failed' && <EmbedFailed expired={opening.expired} message={opening.message} />}
      {opening.state === 'open' && (
        <HostContext.Provider value={host}>
          <BrowserRouter basename={basename}>
            <HostBridge allowed={allowed} onSettings={setSettings} />
            <Routes>
              <Route
                path="/widgets/:widget"
                element={
                  <Suspense fallback={<Loading compact />}>
                    <Widget />
                  </Suspense>
                }
              />
              <Route path="*" element={<SignedInApp />} />
            </Routes>
          </BrowserRouter>
        </HostContext.Provider>
      )}
    </Providers>
  );
}

/** Listens to the host page (its parent window, from an allowed origin only) and tells it where the frame is. */
function HostBridge({ allowed, onSettings }: { allowed: string[]; onSettings: (update: (s: HostSettings) => HostSettings) => void }) {
  const navigate = useNavigate();
  const location = useLocation();

  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      if (event.source !== window.parent || !allowed.includes(event.origin)) return;
      const command = parseCommand(event.data);
      if (!command) return;
      if (command.type === 'tally:navigate') navigate(command.page);
      else if (command.type === 'tally:navigation') onSettings((s) => ({ ...s, navHidden: command.hidden }));
      else onSettings((s) => ({ ...s, ...(command.colorScheme ? { colorScheme: command.colorScheme } : {}), ...(command.primaryColor ? { primaryColor: command.primaryColor } : {}) }));
    };
    window.addEventListener('message', onMessage);
    postToHost(allowed, { type: 'tally:ready', page: location.pathname });
    return () => window.removeEventListener('message', onMessage);
  }, [allowed, navigate, onSettings]);

  useEffect(() => {
    postToHost(allowed, { type: 'tally:navigated', page: location.pathname });
  }, [allowed, location.pathname]);
  return null;
}
