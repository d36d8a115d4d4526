/** What other modules use of the audit log: writing its rows, in the caller's transaction. */
export { recordAudit, recordAudits } from './service.js';
export type { AuditInput } from './service.js';
