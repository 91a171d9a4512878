import { Layer } from "effect"
import { ForemanConfig } from "./config/ForemanConfig.js"
import { LoggingLive } from "./config/LoggingLive.js"
import { HttpLive, ListenPreflightLive } from "./http/HttpLive.js"
import { EmbedWarmer } from "./inventory/EmbedWarmer.js"
import { Inventory } from "./inventory/Inventory.js"
import { ModelCapabilities } from "./inventory/ModelCapabilities.js"
import { JobAwaiter } from "./jobs/JobAwaiter.js"
import { JobEvents } from "./jobs/JobEvents.js"
import { Jobs } from "./jobs/Jobs.js"
import { Worker } from "./jobs/Worker.js"
import { OllamaClient } from "./ollama/OllamaClient.js"
import { SqlLive } from "./store/SqlLive.js"
import { JobSweeper } from "./store/JobSweeper.js"
import { Store } from "./store/Store.js"
import { WebhookOutbox } from "./store/WebhookOutbox.js"
import { WebhookDispatcher } from "./webhooks/WebhookDispatcher.js"

// SqlLive is listed so the one connection (memoized, shared with Store and the outbox) is visible to
// programs that run foreman as a library.
const Foundation = Layer.mergeAll(SqlLive, Store.Default, WebhookOutbox.Default, OllamaClient.Default, JobEvents.Default)
const WithInventory = ModelCapabilities.Default.pipe(Layer.provideMerge(Inventory.Default), Layer.provideMerge(Foundation))
const WithWorker = Worker.Default.pipe(Layer.provideMerge(WithInventory))

/**
 * Foreman without HTTP: the store, the target client, the inventory poller, the worker and the
 * sweeper. Needs a ForemanConfig; other Effect programs can run it and submit jobs through `Jobs`.
 */
export const ForemanCoreLive = Layer.mergeAll(Jobs.Default, JobAwaiter.Default, JobSweeper.Default, EmbedWarmer.Default, WebhookDispatcher.Default).pipe(
  Layer.provideMerge(WithWorker)
)

/**
 * The whole daemon: core services plus the HTTP server on FOREMAN_ADDR, logging as configured.
 * FOREMAN_ADDR is tried first: a port in use stops start-up before the worker runs a job.
 */
export const ForemanServerLive = HttpLive.pipe(
  Layer.provideMerge(ForemanCoreLive.pipe(Layer.provide(ListenPreflightLive))),
  Layer.provide(LoggingLive)
)

/** The daemon configured from the environment (FOREMAN_*). */
export const ForemanServerFromEnv = ForemanServerLive.pipe(Layer.provide(ForemanConfig.Default))
