import type { JobApi, JobEndpoint } from "@foreman/domain"

/** Where a job's request goes on the target, per wire family. */
export const targetPath = (api: JobApi, endpoint: JobEndpoint): string =>
  api === "native"
    ? `/api/${endpoint}`
    : endpoint === "chat"
    ? "/v1/chat/completions"
    : "/v1/completions"

