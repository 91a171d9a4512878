export { ForemanConfig } from "./config/ForemanConfig.js"
export { LoggingLive } from "./config/LoggingLive.js"
export { ForemanCoreLive, ForemanServerFromEnv, ForemanServerLive } from "./ForemanServer.js"
export { HttpAppLive, HttpLive } from "./http/HttpLive.js"
export { Inventory } from "./inventory/Inventory.js"
export { type CompletedJob, JobAwaiter, JobCancelled, JobFailed } from "./jobs/JobAwaiter.js"
export { JobEvents } from "./jobs/JobEvents.js"
export { Jobs } from "./jobs/Jobs.js"
export { Worker } from "./jobs/Worker.js"
export { OllamaClient } from "./ollama/OllamaClient.js"
export { ConnectionError, UpstreamHttpError } from "./ollama/OllamaErrors.js"
export { JobRecord } from "./store/JobRecord.js"
export { DatabaseLocked, DatabaseUnopenable, SqlLive } from "./store/SqlLive.js"
export { Store } from "./store/Store.js"
export { InvalidTransition } from "./store/StoreErrors.js"
export {
  retryDelay,
  WebhookDeliveryError,
  WebhookDispatcher,
  webhookAttemptTimeout,
  webhookBackoffBase,
  webhookBackoffCap,
  webhookConcurrency,
  webhookMaxAttempts,
  webhookMaxRetries,
  webhookPollInterval,
  WebhookPolicy,
  webhookRetrySchedule
} from "./webhooks/WebhookDispatcher.js"
export {
  foremanSignature,
  signatureHeaders,
  signingKey,
  standardSignature,
  verifyForemanSignature,
  verifyStandardWebhook,
  webhookIdHeaders
} from "./webhooks/WebhookSignature.js"
