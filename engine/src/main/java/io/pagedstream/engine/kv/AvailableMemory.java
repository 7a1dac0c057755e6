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
