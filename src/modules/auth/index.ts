/** What other modules use of sign-in: ending a removed member's sessions and embed links. */
export { endMemberSessions } from './service.js';
