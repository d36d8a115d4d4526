import { TallyApiError, TallyClient } from '../../src/client/index.js';

const EMBED_KEY = 'tally.embed-session';

/**
 * How this tab proves who it is: the httpOnly session cookie (plus the CSRF
 * token on writes) after a sign-in, or a bearer session secret when the
 * dashboard is embedded (third-party iframes do not get Lax cookies).
 */
export const credentials = {
  bearer: sessionStorage.getItem(EMBED_KEY),
  csrf: null as string | null,
  useEmbed(secret: string) {
    this.bearer = secret;
    sessionStorage.setItem(EMBED_KEY, secret);
  },
  clear() {
    this.bearer = null;
    this.csrf = null;
    sessionStorage.removeItem(EMBED_KEY);
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
