package io.pagedstream.core.request;

import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the ids of one input unique. Ids are Kafka keys: two results under one key would look like
 * one request answered twice, and a compacted topic would keep only one of them. So every line's
 * result gets an id no other line of the input has: its own id when it is free, else {@code
 * line-N}, else (only when some line used an id shaped like {@code line-N} itself) {@code
 * line-N~2}, {@code line-N~3}, ...
 *
 * <p>Memory grows with the input: roughly 100-150 bytes per line (about 1.5 GB for ten million
 * lines). Split larger inputs into several files; uniqueness is then the caller's to keep across
 * files.
 */
final class IdRegistry {

  private final Map<String, Long> firstLine = new HashMap<>();

  /** Takes {@code id} for {@code line} if no earlier line took it; true when it did. */
  boolean claim(String id, long line) {
    return firstLine.putIfAbsent(id, line) == null;
  }

  /** The line that took {@code id}, or -1. */
  long lineOf(String id) {
    return firstLine.getOrDefault(id, -1L);
  }

  /**
   * Takes and returns the line's stand-in id: {@code line-N}, or the first free {@code line-N~k}.
   */
  String claimFallback(long line) {
    String base = "line-" + line;
    String id = base;
    for (int k = 2; !claim(id, line); k++) {
      id = base + "~" + k;
    }
    return id;
  }

  int size() {
    return firstLine.size();
  }
}
