/** What other modules use of webhooks: the endpoints a notification goes to. */
export { findSubscribedEndpointIds } from './service.js';
