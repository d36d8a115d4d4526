/** What other modules use of the forecast: a scope's forecast, which the forecast alert rules watch. */
export { DEFAULT_HORIZON_DAYS, forecastScope } from './service.js';
export type { ScopedForecast } from './service.js';
