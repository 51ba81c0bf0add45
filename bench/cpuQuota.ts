/**
 * Lambda's CPU after the Init phase, on this machine: a CPU cgroup whose quota is a function's share of one
 * vCPU (AWS: "at 1,769 MB, a function has the equivalent of one vCPU", proportionally below it), which
 * `coldStartChild.ts` moves into once its import is done. The Init phase of an on-demand function runs on a
 * full vCPU, not throttled (AWS's Serverless Land guide, "Utilize initialization phase"), so a cold start's
 * import runs at full speed and its first invocation at the function's share.
 *
 * AWS documents the share, not the period over which Lambda enforces it: the quota here is enforced over
 * `periodMicros` (20 ms; `BENCH_LAMBDA_PERIOD_MS` sets another). cgroup v1 (`/sys/fs/cgroup/cpu`) and v2
 * (`/sys/fs/cgroup`, the `cpu` controller) are supported; creating a cgroup needs root.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"

/** The memory size that gets one whole vCPU. */
export const vcpuMemoryMB = 1769

/** The period over which the quota is enforced, µs. */
export const periodMicros = Math.round(Number(process.env.BENCH_LAMBDA_PERIOD_MS ?? 20) * 1000)

/** A function's share of one vCPU at `memoryMB`. */
export const shareOf = (memoryMB: number): number => Math.min(1, memoryMB / vcpuMemoryMB)

/** A cgroup that holds a process to the CPU of a Lambda function of `memoryMB`. */
export interface CpuQuota {
  readonly memoryMB: number
  /** The file a process writes its PID to, to move into the cgroup (all its threads). */
  readonly procs: string
  /** Removes the cgroup (once no process is left in it). */
  readonly remove: () => void
}

const v1Root = "/sys/fs/cgroup/cpu"
const v2Root = "/sys/fs/cgroup"

/** The cgroup for `memoryMB`, or why there is none on this machine. */
export const make = (memoryMB: number): CpuQuota | { readonly unavailable: string } => {
  const quota = Math.max(1000, Math.round(periodMicros * shareOf(memoryMB)))
  const name = `effect-durable-cold-${memoryMB}mb`
  try {
    if (existsSync(path.join(v1Root, "cpu.cfs_quota_us"))) {
      const dir = path.join(v1Root, name)
      mkdirSync(dir, { recursive: true })
      writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(periodMicros))
      writeFileSync(path.join(dir, "cpu.cfs_quota_us"), String(quota))
      return { memoryMB, procs: path.join(dir, "cgroup.procs"), remove: () => rmdirSync(dir) }
    }
    const controllers = path.join(v2Root, "cgroup.controllers")
    if (existsSync(controllers) && readFileSync(controllers, "utf8").split(/\s+/).includes("cpu")) {
      writeFileSync(path.join(v2Root, "cgroup.subtree_control"), "+cpu")
      const dir = path.join(v2Root, name)
      mkdirSync(dir, { recursive: true })
      writeFileSync(path.join(dir, "cpu.max"), `${quota} ${periodMicros}`)
      return { memoryMB, procs: path.join(dir, "cgroup.procs"), remove: () => rmdirSync(dir) }
    }
    return { unavailable: "no CPU cgroup controller on this machine" }
  } catch (error) {
    return { unavailable: `a CPU cgroup could not be made (${String(error)})` }
  }
}
