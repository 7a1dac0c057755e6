package io.pagedstream.app.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * This JVM's memory at one moment: the heap (used now, including garbage not yet collected, and
 * committed) and the resident set size from {@code /proc/self/status}, which also counts the native
 * memory of PyTorch, RocksDB, thread stacks and metaspace. {@link GcWatcher} adds the heap after
 * each collection, the figure that shows what is really kept.
 *
 * @param rssBytes VmRSS, or -1 off Linux
 * @param peakRssBytes VmHWM (the highest RSS since the JVM started), or -1 off Linux
 */
record JvmMemory(long heapUsedBytes, long heapCommittedBytes, long rssBytes, long peakRssBytes) {

  static JvmMemory now() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new JvmMemory(
        heap.getUsed(), heap.getCommitted(), procStatusBytes("VmRSS:"), procStatusBytes("VmHWM:"));
  }

  /** A "VmXXX: 1234 kB" line of /proc/self/status, in bytes; -1 when there is none. */
  private static long procStatusBytes(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or an unexpected format: the heap figures still stand
    }
    return -1;
  }

  static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", bytes / (1024.0 * 1024));
  }
}
