package io.pagedstream.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every answer seen for each id in one source (the completions topic, the dead-letter topics or the
 * sink's files): how many, and whether each was an error and with which message. Counting every
 * answer, not just the first, is what makes duplicates visible.
 */
final class AnswerLedger {

  /** One answer: an error result (or dead letter) with its message, or a generated result. */
  record Answer(boolean error, String message) {}

  private final Map<String, List<Answer>> byId = new HashMap<>();
  private long unreadable;

  void add(String id, Answer answer) {
    byId.computeIfAbsent(id, k -> new ArrayList<>(1)).add(answer);
  }

  /** A record that could not be read at all (it cannot be attributed to an id). */
  void addUnreadable() {
    unreadable++;
  }

  List<Answer> answers(String id) {
    return byId.getOrDefault(id, List.of());
  }

  int count(String id) {
    return answers(id).size();
  }

  boolean has(String id) {
    return byId.containsKey(id);
  }

  long unreadable() {
    return unreadable;
  }
}
