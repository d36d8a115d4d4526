import { createContext, useContext } from 'react';

/**
 * The host-page API (docs/embedding.md). Messages are plain objects with a
 * `type` starting with "tally:". Tally → host: ready, height, navigated, open.
 * Host → Tally: navigate, theme, navigation. Tally only listens to its parent
 * window, and only when the message's origin is one of the organization's
 * embed_origins; it only posts to those origins.
 */
export type HostCommand =
  | { type: 'tally:navigate'; page: string }
  | { type: 'tally:theme'; colorScheme?: 'light' | 'dark'; primaryColor?: string }
  | { type: 'tally:navigation'; hidden: boolean };

export type TallyEvent =
  | { type: 'tally:ready'; page: string }
  | { type: 'tally:height'; height: number }
  | { type: 'tally:navigated'; page: string }
  | { type: 'tally:open'; page: string };

export interface HostSettings {
  colorScheme: 'light' | 'dark';
  /** #rrggbb, or null for Tally's own colour */
  primaryColor: string | null;
  navHidden: boolean;
}

export const DEFAULT_HOST: HostSettings = { colorScheme: 'light', primaryColor: null, navHidden: false };

const HEX = /^#[0-9a-fA-F]{6}$/;

/** A page path inside the dashboard: no scheme, no other host, no protocol-relative trick. */
export function safePage(page: unknown): string | null {
  if (typeof page !== 'string' || page.length > 200) return null;
  return /^\/(?!\/)[A-Za-z0-9/_.~-]*(\?[A-Za-z0-9=&_.~%-]*)?$/.test(page) ? page : null;
}

/** What the embed link's query string asks for (?theme=dark&primary=%23e64980&nav=hidden), for hosts that write no script. */
export function settingsFromQuery(search: string): HostSettings {
  const q = new URLSearchParams(search);
  const primary = q.get('primary');
  return {
    colorScheme: q.get('theme') === 'dark' ? 'dark' : 'light',
    primaryColor: primary && HEX.test(primary) ? primary.toLowerCase() : null,
    navHidden: q.get('nav') === 'hidden',
  };
}

/** A host message, checked field by field; anything else is ignored. */
export function parseCommand(data: unknown): HostCommand | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  switch (m.type) {
    case 'tally:navigate': {
      const page = safePage(m.page);
      return page ? { type: 'tally:navigate', page } : null;
    }
    case 'tally:theme': {
      const colorScheme = m.colorScheme === 'dark' || m.colorScheme === 'light' ? m.colorScheme : undefined;
      const primaryColor = typeof m.primaryColor === 'string' && HEX.test(m.primaryColor) ? m.primaryColor.toLowerCase() : undefined;
      if (!colorScheme && !primaryColor) return null;
      return { type: 'tally:theme', ...(colorScheme ? { colorScheme } : {}), ...(primaryColor ? { primaryColor } : {}) };
    }
    case 'tally:navigation':
      return typeof m.hidden === 'boolean' ? { type: 'tally:navigation', hidden: m.hidden } : null;
    default:
      return null;
  }
}

export function isFramed(): boolean {
  try {
    return window.parent !== window;
  } catch {
    return true;
  }
}

/**
 * Posts to the host page, only to origins the organization allowed. Chromium
 * names the parent's origin (location.ancestorOrigins); elsewhere each allowed
 * origin is tried and the browser delivers to the one that matches.
 */
export function postToHost(allowed: readonly string[], message: TallyEvent): void {
  if (!isFramed() || allowed.length === 0) return;
  const parent = window.location.ancestorOrigins?.[0];
  const targets = parent && allowed.includes(parent) ? [parent] : allowed;
  for (const origin of targets) {
    try {
      window.parent.postMessage(message, origin);
    } catch {
      // a mismatched origin is the browser's business, not an error of the page
    }
  }
}

export interface HostContextValue {
  embedded: boolean;
  settings: HostSettings;
  post: (message: TallyEvent) => void;
}

export const HostContext = createContext<HostContextValue>({ embedded: false, settings: DEFAULT_HOST, post: () => {} });

export const useHost = () => useContext(HostContext);
