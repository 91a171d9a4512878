// End-to-end smoke: deploy the CLI bundle the way the Dockerfile does, start the simulated target
// and foreman from that bundle as real processes, and talk to foreman over HTTP like a user would.
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { sourceDigest } from "../packages/cli/bin/sourceDigest.mjs"

const root = join(import.meta.dirname, "..")
const work = mkdtempSync(join(tmpdir(), "foreman-smoke-"))
const bundle = join(work, "bundle")
const children: Array<ChildProcess> = []
let passed = 0
let failed = 0

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const start = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const child = spawn(process.execPath, [join(bundle, "bin", "foreman.mjs"), ...args], {
    cwd: work,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"]
  })
  children.push(child)
  return child
}

const check = (name: string, ok: boolean, detail = "") => {
  if (ok) passed++
  else failed++
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || detail === "" ? "" : `: ${detail}`}`)
}

const waitFor = async (url: string, predicate: (body: string) => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const body = await fetch(url).then((r) => r.text(), () => "")
    if (predicate(body)) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

const main = async () => {
  execFileSync(process.execPath, ["--import", "tsx", join(root, "packages", "cli", "build", "main.ts")], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"]
  })
  execFileSync("npx", ["-y", "pnpm@10", "--filter", "@foreman/cli", "deploy", "--prod", "--legacy", bundle], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"]
  })
  check("the CLI deploys as a standalone bundle", true)
  const digest = join(bundle, "dist", "foreman.sources")
  check(
    "the deployed bin runs the built bundle, not the sources through tsx",
    existsSync(join(bundle, "dist", "foreman.mjs")) && existsSync(digest) && readFileSync(digest, "utf8") === sourceDigest(bundle)
  )

  const simPort = await freePort()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  start(["serve"], {
    FOREMAN_ADDR: `127.0.0.1:${port}`,
    FOREMAN_OLLAMA_URL: `http://127.0.0.1:${simPort}`,
    FOREMAN_DB_PATH: join(work, "foreman.db"),
    FOREMAN_POLL_INTERVAL: "500ms"
  })
  check("foreman starts degraded with no target", await waitFor(`${base}/healthz`, (b) => b.includes(`"degraded":true`)))

  start(["sim", "--port", String(simPort), "--models", "smoke-a:1b,smoke-b:1b"], {})
  check("foreman recovers when the target appears", await waitFor(`${base}/healthz`, (b) => b.includes(`"degraded":false`)))

  const tags = await fetch(`${base}/api/tags`).then((r) => r.json() as Promise<{ models: Array<{ name: string }> }>)
  check("/api/tags lists the target's models", tags.models.some((m) => m.name === "smoke-a:1b"), JSON.stringify(tags))

  const chat = await fetch(`${base}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "smoke-a:1b", stream: false, messages: [{ role: "user", content: "hello smoke" }] })
  })
  const answer = await chat.json() as { message?: { content?: string }; done?: boolean }
  check("a non-streaming chat answers through the queue", chat.status === 200 && answer.done === true && (answer.message?.content ?? "").includes("hello smoke"), JSON.stringify(answer))

  const streamed = await fetch(`${base}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "smoke-b:1b", messages: [{ role: "user", content: "stream please" }] })
  })
  const lines = (await streamed.text()).trim().split("\n").map((l) => JSON.parse(l) as { done?: boolean })
  check("a streaming chat ends with a done line", streamed.headers.get("content-type") === "application/x-ndjson" && lines.length > 1 && lines.at(-1)?.done === true)

  const unknown = await fetch(`${base}/api/chat`, { method: "POST", body: JSON.stringify({ model: "nope:1b", messages: [] }) })
  check("an unknown model is Ollama's 404", unknown.status === 404 && (await unknown.text()).includes(`model 'nope:1b' not found`))

  // The image's HEALTHCHECK, as Docker runs it: a shell command, FOREMAN_ADDR from the environment.
  const healthcheck = /^HEALTHCHECK CMD (.+)$/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1] ?? "false"
  const healthy = (addr: string) => {
    try {
      execFileSync("/bin/sh", ["-c", healthcheck], { env: { ...process.env, FOREMAN_ADDR: addr }, stdio: "ignore", timeout: 30_000 })
      return true
    } catch {
      return false
    }
  }
  check("the image's HEALTHCHECK finds foreman where FOREMAN_ADDR puts it", healthy(`:${port}`) && !healthy(`:${await freePort()}`))
}

const stop = () => {
  for (const child of children) child.kill("SIGTERM")
  rmSync(work, { recursive: true, force: true })
}

main().then(
  () => {
    stop()
    console.log(`smoke: ${passed} passed, ${failed} failed`)
    process.exitCode = failed === 0 ? 0 : 1
  },
  (error: unknown) => {
    stop()
    console.error("smoke: aborted", error)
    process.exitCode = 1
  }
)
