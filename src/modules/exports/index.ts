/** What other modules use of exports: the streaming CSV writer and its guard against formula injection. */
export { sendCsv, textCell } from './csv.js';
