import * as HttpRouter from "@effect/platform/HttpRouter"
import { createBlob, headBlob } from "./blobs.js"
import { chat } from "./chat.js"
import { create } from "./create.js"
import { embed, embeddings } from "./embed.js"
import { endpoint } from "./endpoint.js"
import { root, version } from "./general.js"
import { generate } from "./generate.js"
import { copyModel, deleteModel } from "./manage.js"
import { ps, show, tags } from "./models.js"
import { chatCompletions, completions, embeddings as openaiEmbeddings, listModels, retrieveModel } from "./openai.js"
import { pull } from "./pull.js"

/** Ollama's native surface and its OpenAI-compatible /v1 one, as server/routes.go registers them. */
export const ollamaRouter = HttpRouter.fromIterable([
  ...endpoint("/", { GET: root, HEAD: root }),
  ...endpoint("/api/version", { GET: version, HEAD: version }),
  ...endpoint("/api/tags", { GET: tags, HEAD: tags }),
  ...endpoint("/api/ps", { GET: ps }),
  ...endpoint("/api/show", { POST: show }),
  ...endpoint("/api/chat", { POST: chat }),
  ...endpoint("/api/generate", { POST: generate }),
  ...endpoint("/api/embed", { POST: embed }),
  ...endpoint("/api/embeddings", { POST: embeddings }),
  ...endpoint("/api/pull", { POST: pull }),
  ...endpoint("/api/delete", { DELETE: deleteModel }),
  ...endpoint("/api/copy", { POST: copyModel }),
  ...endpoint("/api/create", { POST: create }),
  ...endpoint("/api/blobs/:digest", { HEAD: headBlob, POST: createBlob }),
  ...endpoint("/v1/chat/completions", { POST: chatCompletions }),
  ...endpoint("/v1/completions", { POST: completions }),
  ...endpoint("/v1/embeddings", { POST: openaiEmbeddings }),
  ...endpoint("/v1/models", { GET: listModels }),
  ...endpoint("/v1/models/:model", { GET: retrieveModel })
])
