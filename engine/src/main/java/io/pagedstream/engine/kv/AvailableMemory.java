package io.pagedstream.engine.kv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * How much more memory this process may take: the kernel's estimate of what can be allocated
 * without swapping ({@code MemAvailable} in {@code /proc/meminfo}), lowered to what the process's
 * cgroup still allows when a limit is set (a container's memory limit). Empty where neither can be
 * read (not Linux).
 */
public final class AvailableMemory {

  private static final Path MEMINFO = Path.of("/proc/meminfo");
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");

  private AvailableMemory() {}

  /**
   * Fails at start-up, with the figures, when this host cannot hold the KV pool and the swap space
   * together ({@code kvBytes} is 0 for a pool on a GPU). Both are allocated uninitialized and so
   * become resident only as they are used (see {@link KvCache}): without this check, pools too
   * large would fail only when a busy run's pages came due, the process killed rather than told
   * why.
   */
  public static void requireFits(long kvBytes, long swapBytes) {
    OptionalLong available = bytes();
    long needed = kvBytes + swapBytes;
    if (available.isEmpty() || needed <= available.getAsLong()) {
      return;
    }
    String what;
    String lower;
    if (swapBytes == 0) {
      what = "the KV cache needs";
      lower = "--kv-cache-gib";
    } else if (kvBytes == 0) {
      what = "the swap space needs";
      lower = "--swap-space-gib";
    } else {
      what =
          String.format(
              "the KV cache (%.2f GiB) and the swap space (%.2f GiB) need",
              gib(kvBytes), gib(swapBytes));
      lower = "--kv-cache-gib or --swap-space-gib";
    }
    throw new IllegalStateException(
        String.format(
            "%s %.2f GiB but only %.2f GiB of memory is available; lower %s",
            what, gib(needed), gib(available.getAsLong()), lower));
  }

  private static double gib(long bytes) {
    return bytes / (double) (1L << 30);
  }

  public static OptionalLong bytes() {
    OptionalLong host = memInfo();
    OptionalLong group = cgroupHeadroom();
    if (host.isPresent() && group.isPresent()) {
      return OptionalLong.of(Math.min(host.getAsLong(), group.getAsLong()));
    }
    return host.isPresent() ? host : group;
  }

  private static OptionalLong memInfo() {
    try {
      for (String line : Files.readAllLines(MEMINFO)) {
        if (line.startsWith("MemAvailable:")) {
          String[] parts = line.substring("MemAvailable:".length()).trim().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return OptionalLong.empty();
  }

  /** cgroup v2's limit minus usage, else v1's; empty without a limit. */
  private static OptionalLong cgroupHeadroom() {
    OptionalLong v2 = headroom(CGROUP.resolve("memory.max"), CGROUP.resolve("memory.current"));
    return v2.isPresent()
        ? v2
        : headroom(
            CGROUP.resolve("memory/memory.limit_in_bytes"),
            CGROUP.resolve("memory/memory.usage_in_bytes"));
  }

  private static OptionalLong headroom(Path limitFile, Path usageFile) {
    try {
      String limit = Files.readString(limitFile).trim();
      // "max" in v2; v1 writes a number near Long.MAX_VALUE for no limit
      if (limit.equals("max") || Long.parseLong(limit) >= Long.MAX_VALUE / 2) {
        return OptionalLong.empty();
      }
      long usage = Long.parseLong(Files.readString(usageFile).trim());
      return OptionalLong.of(Math.max(0, Long.parseLong(limit) - usage));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }
}
