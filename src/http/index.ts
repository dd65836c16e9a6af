export { HttpClient, type HttpClientOptions, type RequestOptions, type HttpResponse, type TokenProvider } from './client.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
