/** What the rest of the application uses of invoices: issuing a closed period's invoice (period-close) and its id. */
export { invoiceId, issueInvoice } from './service.js';
