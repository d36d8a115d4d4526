/**
 * The host-page API's messages (docs/embedding.md), and the checks on what a
 * host sends: pure functions, no window, so they are tested on their own.
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
