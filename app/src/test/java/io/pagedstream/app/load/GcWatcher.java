package io.pagedstream.app.load;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The heap in use right after each garbage collection, from the collectors' notifications: what is
 * live (plus whatever a young collection did not reach), unlike the used heap at a random moment,
 * which mostly measures how long ago the last collection was.
 */
final class GcWatcher implements AutoCloseable {

  private final Set<String> heapPools =
      ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(p -> p.getType() == MemoryType.HEAP)
          .map(MemoryPoolMXBean::getName)
          .collect(Collectors.toSet());
  private final AtomicLong collections = new AtomicLong();
  private final AtomicLong lastAfterGc = new AtomicLong(-1);
  private final AtomicLong peakAfterGc = new AtomicLong(-1);
  private final List<Runnable> removals = new ArrayList<>();
  private final NotificationListener listener = this::onNotification;

  GcWatcher() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        removals.add(
            () -> {
              try {
                emitter.removeNotificationListener(listener);
              } catch (javax.management.ListenerNotFoundException e) {
                // already gone
              }
            });
      }
    }
  }

  private void onNotification(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = 0;
    for (var pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        MemoryUsage usage = pool.getValue();
        used += usage.getUsed();
      }
    }
    collections.incrementAndGet();
    lastAfterGc.set(used);
    peakAfterGc.accumulateAndGet(used, Math::max);
  }

  long collections() {
    return collections.get();
  }

  /** Heap used after the latest collection, or -1 before the first. */
  long lastAfterGc() {
    return lastAfterGc.get();
  }

  /** The most heap any collection left in use since {@link #resetPeak}, or -1. */
  long peakAfterGc() {
    return peakAfterGc.get();
  }

  void resetPeak() {
    peakAfterGc.set(lastAfterGc.get());
  }

  @Override
  public void close() {
    removals.forEach(Runnable::run);
  }
}
