/** What other modules use of corrections: an event's voids and amends, as the events list, the export and invoices show them. */
export { correctedEventView, correctionPartKey, correctionsOf, invoiceCorrections } from './service.js';
