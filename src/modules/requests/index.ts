/** What the rest of the application uses of credit requests: asking and deciding (the demo seed). */
export { createRequest, decideRequest } from './service.js';
