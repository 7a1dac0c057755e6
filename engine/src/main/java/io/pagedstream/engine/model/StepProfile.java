package io.pagedstream.engine.model;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where a forward pass's time goes, section by section, over decode-only steps (every sequence
 * computing one token: the steady state of bulk generation). Each {@link #mark} charges the time
 * since the previous mark to a section; CPU operations are synchronous, so the wall time between
 * marks is the time of the operations issued between them. Off unless asked for, at the cost of one
 * branch per mark.
 */
public final class StepProfile {

  /** The parts of a step, in the order the forward pass runs them. */
  public enum Section {
    INPUTS("index arrays, embedding"),
    LAYER("whole layers, one script each"),
    NORM("RMSNorm"),
    ATTENTION_INPUT("norm, q/k/v product, RoPE, K/V write (one script)"),
    QKV("q/k/v product"),
    ROPE("RoPE"),
    KV_WRITE("K/V cache write"),
    KV_GATHER("K/V gather"),
    ATTENTION("scores, softmax, weighted sum (scripted: with the K/V gather)"),
    O_PROJ("output product + residual"),
    GATE_UP("gate/up product"),
    ACTIVATION("SiLU x up"),
    DOWN("down product + residual"),
    FEED_FORWARD("norm, gate/up, SiLU x up, down, residual (one script)"),
    LM_HEAD("final norm + LM head"),
    SAMPLING("argmax and logits to Java"),
    SCHEDULING("scheduler, batch building, bookkeeping");

    private final String description;

    Section(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  private final Map<Section, Long> nanos = new EnumMap<>(Section.class);
  private long last;
  private boolean active;
  private long steps;
  private long tokens;

  /** Starts timing a step of {@code tokens} decode tokens. */
  public void begin(long startNanos, int tokens) {
    active = true;
    last = startNanos;
    steps++;
    this.tokens += tokens;
  }

  /** Charges the time since the last mark to {@code section}. */
  public void mark(Section section) {
    if (!active) {
      return;
    }
    long now = System.nanoTime();
    nanos.merge(section, now - last, Long::sum);
    last = now;
  }

  public void end() {
    active = false;
  }

  public long steps() {
    return steps;
  }

  public long tokens() {
    return tokens;
  }

  /** Milliseconds per step for each section, in running order. */
  public Map<Section, Double> millisPerStep() {
    Map<Section, Double> out = new EnumMap<>(Section.class);
    for (Section s : Section.values()) {
      out.put(s, nanos.getOrDefault(s, 0L) / 1e6 / Math.max(1, steps));
    }
    return out;
  }
}
