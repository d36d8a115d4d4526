/** What other modules use of sign-in: ending a removed member's sessions and embed links. For the server: a request's session; for the demo: setting a password. */
export { authenticateSession } from './http.js';
export { endMemberSessions, setPassword } from './service.js';
