// Test harness: real nats-server processes with JetStream on 127.0.0.1, one node (`startNats`) or a
// cluster (`startNatsCluster(3)`, R3 streams work), each with a fresh store dir and free ports.
//
// Processes never outlive the test: every server is stopped by PID on `stop()`, on this process's
// exit, and — should the test runner itself be SIGKILLed — by a watchdog (`sh` reading a pipe from
// this process; when the pipe closes, it SIGKILLs the server). A node can be SIGKILLed and restarted
// on the same store dir and ports (`kill()` then `restart()`).
//
// nats-server comes from Debian (`apt-get install -y nats-server`, 2.9.10); NATS_SERVER overrides the path.
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";

const BINARY = process.env.NATS_SERVER ?? "/usr/sbin/nats-server";
const READY_MS = 30_000;

/** One running (or killed, restartable) nats-server. */
export interface NatsNode {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Cluster (route) port; 0 for a single node. */
  readonly clusterPort: number;
  readonly name: string;
  readonly storeDir: string;
  /** The current process's PID (it changes on `restart()`). */
  readonly pid: number;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Sends `signal` (SIGKILL by default) and waits for the process to exit; the store dir stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same ports and store dir and waits until JetStream answers. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its store dir. */
  stop(): Promise<void>;
  /** The last lines the server logged (for failure messages). */
  log(): string;
}

/** A cluster of nodes that route to each other, JetStream clustered (R1..Rn streams). */
export interface NatsCluster {
  readonly nodes: NatsNode[];
  /** Every node's client URL, for `connect({ servers })`. */
  readonly servers: string[];
  /** Stops every node and removes the store dirs. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}

/** `count` distinct free TCP ports on 127.0.0.1 (all held open together, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<import("node:net").Server>((resolve, reject) => {
        const s = createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve(s));
      })),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

interface NodeConfig {
  name: string;
  port: number;
  clusterPort: number;
  routes: number[];
  clusterName: string;
  storeDir: string;
}

function argsOf(c: NodeConfig): string[] {
  const args = ["-a", "127.0.0.1", "-p", String(c.port), "-js", "-sd", c.storeDir, "--server_name", c.name];
  if (c.clusterPort !== 0) {
    args.push(
      "--cluster_name",
      c.clusterName,
      "--cluster",
      `nats://127.0.0.1:${c.clusterPort}`,
      "--routes",
      c.routes.map((p) => `nats://127.0.0.1:${p}`).join(","),
    );
  }
  return args;
}

class Node implements NatsNode {
  readonly url: string;
  #config: NodeConfig;
  #child: ChildProcess | undefined;
  #watchdog: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log = "";

  constructor(config: NodeConfig) {
    this.#config = config;
    this.url = `nats://127.0.0.1:${config.port}`;
  }

  get port(): number {
    return this.#config.port;
  }
  get clusterPort(): number {
    return this.#config.clusterPort;
  }
  get name(): string {
    return this.#config.name;
  }
  get storeDir(): string {
    return this.#config.storeDir;
  }
  get pid(): number {
    return this.#child?.pid ?? 0;
  }
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  log(): string {
    return this.#log;
  }

  /** Spawns the process (does not wait for readiness). */
  spawn(): void {
    if (this.running) throw new Error(`nats-server ${this.name} is already running (pid ${this.pid})`);
    installExitHook();
    const child = spawn(BINARY, argsOf(this.#config), { stdio: ["ignore", "ignore", "pipe"] });
    this.#child = child;
    live.add(child);
    child.stderr!.on("data", (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString()).slice(-8_000);
    });
    this.#exited = new Promise<void>((resolve) => {
      child.once("exit", () => {
        live.delete(child);
        resolve();
      });
      child.once("error", (error) => {
        this.#log += `\nspawn failed: ${error.message}`;
        live.delete(child);
        resolve();
      });
    });
    // Neither the server nor its log pipe keeps a finished test process alive; the exit hook and
    // the watchdog end the server.
    child.unref();
    (child.stderr as unknown as { unref(): void }).unref();
    if (child.pid !== undefined) {
      const watchdog = spawn("sh", ["-c", `read _; kill -9 ${child.pid} 2>/dev/null`], {
        stdio: ["pipe", "ignore", "ignore"],
      });
      watchdog.unref();
      (watchdog.stdin as unknown as { unref(): void }).unref();
      watchdog.on("error", () => {});
      this.#watchdog = watchdog;
    }
  }

  async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_MS;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.running) {
        await this.#exited;
        throw new Error(`nats-server ${this.name} exited while starting:\n${this.#log}`);
      }
      try {
        const nc = await connect({ servers: this.url, reconnect: false, timeout: 1_000 });
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2_000 });
          await jsm.getAccountInfo();
          return;
        } finally {
          await nc.close();
        }
      } catch (error) {
        last = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`nats-server ${this.name} on ${this.url} not ready after ${READY_MS} ms: ${last}\n${this.#log}`);
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (child !== undefined && this.running) child.kill(signal);
    await this.#exited;
    this.#endWatchdog();
  }

  async restart(): Promise<void> {
    if (this.running) throw new Error(`nats-server ${this.name} is still running (pid ${this.pid}): kill it first`);
    this.spawn();
    await this.waitReady();
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child !== undefined && this.running) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await this.#exited;
      clearTimeout(timer);
    }
    this.#endWatchdog();
    rmSync(this.#config.storeDir, { recursive: true, force: true });
  }

  #endWatchdog(): void {
    const watchdog = this.#watchdog;
    this.#watchdog = undefined;
    if (watchdog !== undefined && watchdog.exitCode === null) watchdog.kill("SIGKILL");
  }
}

/** Starts one nats-server with JetStream on a free port and a fresh store dir; resolves when JetStream answers. */
export async function startNats(): Promise<NatsNode> {
  const [port] = await freePorts(1);
  const node = new Node({
    name: `weir-test-${port}`,
    port: port!,
    clusterPort: 0,
    routes: [],
    clusterName: "",
    storeDir: mkdtempSync(join(tmpdir(), "weir-nats-")),
  });
  node.spawn();
  try {
    await node.waitReady();
  } catch (error) {
    await node.stop();
    throw error;
  }
  return node;
}

/** Starts `size` clustered nats-servers (JetStream, distinct client and route ports, named n1..nN). */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cluster size must be an integer >= 1: ${size}`);
  const ports = await freePorts(2 * size);
  const clusterPorts = ports.slice(size);
  const clusterName = `weir-test-${ports[0]}`;
  const nodes = Array.from({ length: size }, (_, i) =>
    new Node({
      name: `n${i + 1}`,
      port: ports[i]!,
      clusterPort: clusterPorts[i]!,
      routes: clusterPorts.filter((_, j) => j !== i),
      clusterName,
      storeDir: mkdtempSync(join(tmpdir(), `weir-nats-n${i + 1}-`)),
    }));
  const cluster: NatsCluster = {
    nodes,
    servers: nodes.map((n) => n.url),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  for (const node of nodes) node.spawn();
  try {
    // JetStream answers on a node only once the cluster has elected its meta leader.
    await Promise.all(nodes.map((n) => n.waitReady()));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
