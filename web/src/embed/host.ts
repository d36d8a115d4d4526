import { createContext, useContext } from 'react';
import { DEFAULT_HOST, type HostSettings, type TallyEvent } from './protocol.js';

export * from './protocol.js';

/**
 * The frame's side of the host-page API (docs/embedding.md). Messages are plain objects with a
 * `type` starting with "tally:". Tally → host: ready, height, navigated, open.
 * Host → Tally: navigate, theme, navigation. Tally only listens to its parent
 * window, and only when the message's origin is one of the organization's
 * embed_origins; it only posts to those origins.
 */

/** Whether a host page frames this document (a cross-origin parent may throw on access: framed). */
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
