/** What other modules use of signing: the statement key and signing with it. */
export { signStatementWith, statementKey } from './key.js';
export type { StatementKey } from './key.js';
