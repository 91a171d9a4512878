import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startForeman } from "./support/foreman.js"

const request = (url: string, init: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, headers: response.headers, body: await response.text() }
  })

const preflight = (url: string, origin: string) =>
  request(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" }
  })

const chat = JSON.stringify({ model: "llama3.2:1b", stream: false, messages: [{ role: "user", content: "hi" }] })

// A browser app (ollama-js in a page, an editor webview) that works against Ollama must work
// against foreman: the same origins are allowed, the same preflight is answered.
describe("CORS, as Ollama answers it", () => {
  it.live("Ollama's default origins are allowed, before the token check; others are refused with 403", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_TOKEN: "s3cret" } })
      for (const origin of ["http://localhost:3000", "https://127.0.0.1", "vscode-webview://abc", "tauri://localhost"]) {
        const answer = yield* preflight(`${foreman.url}/api/chat`, origin)
        expect(answer.status, origin).toBe(204)
        expect(answer.headers.get("access-control-allow-origin"), origin).toBe(origin)
        expect(answer.headers.get("access-control-allow-headers")?.split(","), origin).toEqual(expect.arrayContaining(["Authorization", "Content-Type"]))
      }
      const stranger = yield* preflight(`${foreman.url}/api/chat`, "https://evil.example")
      expect([stranger.status, stranger.headers.get("access-control-allow-origin")]).toEqual([403, null])

      // The answers themselves carry the header, errors included, so the page can read them.
      const origin = "http://localhost:5173"
      const refused = yield* request(`${foreman.url}/api/chat`, { method: "POST", body: chat, headers: { origin } })
      expect(refused.status).toBe(401)
      expect(refused.headers.get("access-control-allow-origin")).toBe(origin)
      const answered = yield* request(`${foreman.url}/api/chat`, { method: "POST", body: chat, headers: { origin, authorization: "Bearer s3cret" } })
      expect(answered.status).toBe(200)
      expect(answered.headers.get("access-control-allow-origin")).toBe(origin)
      expect(answered.headers.get("access-control-expose-headers")).toBe("x-foreman-job-id")
      expect(answered.headers.get("x-foreman-job-id")).toMatch(/^[0-9A-Z]{26}$/)
      expect(JSON.parse(answered.body)).toMatchObject({ message: { content: "llama3.2:1b answers: hi" } })
      const jobs = yield* request(`${foreman.url}/jobs`, { headers: { origin, authorization: "Bearer s3cret" } })
      expect([jobs.status, jobs.headers.get("access-control-allow-origin")]).toEqual([200, origin])
      const forbidden = yield* request(`${foreman.url}/api/tags`, { headers: { origin: "https://evil.example", authorization: "Bearer s3cret" } })
      expect([forbidden.status, forbidden.headers.get("access-control-allow-origin")]).toEqual([403, null])
      // A "simple" cross-site POST needs no preflight: refused all the same, and nothing is queued.
      const simple = yield* request(`${foreman.url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({ model: "llama3.2:1b", prompt: "pwned", stream: false }),
        headers: { origin: "https://evil.example", "content-type": "text/plain", authorization: "Bearer s3cret" }
      })
      expect(simple.status).toBe(403)
      expect((yield* foreman.sim.requests).filter((r) => r.body.includes("pwned"))).toEqual([])
    }).pipe(Effect.scoped))

  it.live("FOREMAN_ORIGINS adds origins, with one * as a wildcard; requests without an Origin are untouched", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_ORIGINS: "https://App.Example.com, chrome-extension://*" } })
      for (const origin of ["https://app.example.com", "chrome-extension://abcdef", "http://localhost:8000"]) {
        expect((yield* preflight(`${foreman.url}/v1/chat/completions`, origin)).headers.get("access-control-allow-origin"), origin).toBe(origin)
      }
      expect((yield* preflight(`${foreman.url}/api/chat`, "https://app.example.com.evil.example")).status).toBe(403)
      const plain = yield* request(`${foreman.url}/api/chat`, { method: "OPTIONS" })
      expect(plain.status).toBe(404)
      expect(plain.headers.get("access-control-allow-origin")).toBeNull()
    }).pipe(Effect.scoped))
})
