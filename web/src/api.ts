import { TallyApiError, TallyClient } from '../../src/client/index.js';

/**
 * How this tab proves who it is: the httpOnly session cookie (plus the CSRF
 * token on writes) after a sign-in, or a bearer session secret when the
 * dashboard is embedded. The embedded secret lives in memory only: a
 * cross-site iframe with third-party cookies blocked cannot use cookies,
 * sessionStorage or localStorage (Chromium throws on the mere read), and a
 * reload opens the embed link again instead.
 */
export const credentials = {
  bearer: null as string | null,
  csrf: null as string | null,
  useEmbed(secret: string) {
    this.bearer = secret;
  },
  clear() {
    this.bearer = null;
    this.csrf = null;
  },
};

export const api = new TallyClient({
  baseUrl: window.location.origin,
  headers: (): Record<string, string> => {
    if (credentials.bearer) return { authorization: `Bearer ${credentials.bearer}` };
    return credentials.csrf ? { 'x-csrf-token': credentials.csrf } : {};
  },
});

export const isUnauthorized = (error: unknown) => error instanceof TallyApiError && error.status === 401;

export const locale = navigator.language || 'en-US';
