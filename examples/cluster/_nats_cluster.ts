// The demo's NATS cluster: `size` nats-servers with JetStream on 127.0.0.1 (free client and route ports,
// fresh store dirs), routed to each other so that R3 streams and KV buckets replicate. The servers run in
// their own process group, so a Ctrl-C in the terminal reaches the launcher only, which stops them last
// (after the workers' final checkpoints); a watchdog per server SIGKILLs it should the launcher die
// without stopping it. (test/node/_nats_server.ts is the tests' harness; this is the demo's own.)
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const BINARY = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";

export interface DemoCluster {
  /** Client URLs of the servers. */
  readonly servers: string[];
  /** Process ids of the servers. */
  readonly pids: number[];
  /** Stops every server (SIGTERM, SIGKILL after 5 s) and removes the store dirs. */
  stop(): Promise<void>;
}

/** `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => resolve(s));
    })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  watchdog: ChildProcess;
  log: () => string;
}

function startServer(args: string[], dir: string): Running {
  const child = spawn(BINARY, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", (e) => {
      log += `\ncannot start ${BINARY}: ${e.message} (install it with: apt-get install nats-server)`;
      resolve();
    });
  });
  // Reads until the launcher's end of the pipe closes (the launcher exited, however), then kills the
  // server and removes its store dir.
  const watchdog = spawn("sh", ["-c", `read _; kill -9 ${child.pid} 2>/dev/null; sleep 1; rm -rf '${dir}'`], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  watchdog.on("error", () => {});
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();
  return { child, exited, watchdog, log: () => log };
}

async function waitReady(url: string, server: Running): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`nats-server on ${url} exited while starting:\n${server.log()}`);
    }
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 });
      try {
        // JetStream answers once the cluster elected its meta leader.
        await (await jetstreamManager(nc, { timeout: 2_000 })).getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  throw new Error(`nats-server on ${url} not ready after 30 s: ${last}\n${server.log()}`);
}

/** Starts the cluster and resolves once JetStream answers on every server. */
export async function startDemoCluster(size = 3): Promise<DemoCluster> {
  const ports = await freePorts(2 * size);
  const routes = ports.slice(size);
  const dirs: string[] = [];
  const running: Running[] = [];
  const servers = ports.slice(0, size).map((p) => `nats://127.0.0.1:${p}`);
  const stop = async () => {
    await Promise.all(running.map(async ({ child, exited, watchdog }) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (watchdog.exitCode === null) watchdog.kill("SIGKILL");
    }));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < size; i++) {
    const dir = mkdtempSync(join(tmpdir(), `weir-demo-n${i + 1}-`));
    dirs.push(dir);
    running.push(startServer([
      ...["-a", "127.0.0.1", "-p", String(ports[i]), "-js", "-sd", dir, "--server_name", `n${i + 1}`],
      ...["--cluster_name", `weir-demo-${ports[0]}`, "--cluster", `nats://127.0.0.1:${routes[i]}`],
      ...["--routes", routes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(",")],
    ], dir));
  }
  try {
    await Promise.all(servers.map((url, i) => waitReady(url, running[i]!)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { servers, pids: running.map((r) => r.child.pid ?? 0), stop };
}
