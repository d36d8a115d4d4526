/** What other modules use of webhooks: the endpoints a notification goes to; creating and changing one (the demo). */
export { findSubscribedEndpointIds } from './queries.js';
export { createEndpoint, updateEndpoint } from './service.js';
