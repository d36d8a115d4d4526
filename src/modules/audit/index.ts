/** What other modules use of the audit log: writing its rows, in the caller's transaction. */
export { auditWrite, recordAudit } from './service.js';
export type { AuditInput } from './service.js';
