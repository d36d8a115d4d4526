/** What other modules use of webhooks: the endpoints a notification goes to; creating and changing one (the demo). */
export { createEndpoint, findSubscribedEndpointIds, updateEndpoint } from './service.js';
