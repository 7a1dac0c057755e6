package io.pagedstream.processor;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pagedstream.engine.EngineStats;
import io.pagedstream.engine.LlmEngine;
import java.util.ArrayDeque;
import java.util.function.ToDoubleFunction;

/**
 * The processor's series: tokens (total and per second), running and waiting sequences, KV blocks
 * used and free, preemptions, prefix-cache hit rate, batches and completions. All are read lazily
 * from the engine and the loop's counters when scraped.
 */
public final class ProcessorMetrics {

  private ProcessorMetrics() {}

  public static void bind(MeterRegistry registry, ProcessorService service) {
    Tags tags = Tags.of("instance", service.config().instanceId());
    LlmEngine engine = service.engine();
    ProcessorStats stats = service.stats();
    counter(
        registry,
        "pagedstream.processor.output.tokens",
        "tokens generated",
        tags,
        stats,
        s -> s.outputTokens());
    counter(
        registry,
        "pagedstream.processor.batches",
        "batches committed",
        tags,
        stats,
        s -> s.batchesCommitted());
    counter(
        registry,
        "pagedstream.processor.completions",
        "completions committed",
        tags,
        stats,
        s -> s.completionsCommitted());
    counter(
        registry,
        "pagedstream.processor.errors",
        "error completions",
        tags,
        stats,
        s -> s.errorsCommitted());
    counter(
        registry,
        "pagedstream.processor.dead.letters",
        "unreadable batches dead-lettered",
        tags,
        stats,
        s -> s.deadLetters());
    TokenRate rate = new TokenRate(stats);
    Gauge.builder("pagedstream.processor.tokens.per.second", rate, TokenRate::perSecond)
        .description("output tokens per second over the last 10 s")
        .tags(tags)
        .register(registry);
    gauge(
        registry,
        "pagedstream.engine.running.sequences",
        "sequences holding KV blocks",
        tags,
        engine,
        e -> e.numRunning());
    gauge(
        registry,
        "pagedstream.engine.waiting.sequences",
        "sequences waiting or swapped out",
        tags,
        engine,
        e -> e.numWaiting());
    gauge(
        registry,
        "pagedstream.kv.blocks.used",
        "KV blocks referenced by a sequence",
        tags,
        engine,
        e -> e.kvBlocksUsed());
    gauge(
        registry,
        "pagedstream.kv.blocks.free",
        "KV blocks free or holding evictable cached prefixes",
        tags,
        engine,
        e -> e.config().numKvBlocks() - e.kvBlocksUsed());
    FunctionCounter.builder("pagedstream.engine.preemptions", engine, e -> e.stats().preemptions())
        .description("sequences preempted for lack of KV blocks")
        .tags(tags)
        .register(registry);
    gauge(
        registry,
        "pagedstream.prefix.cache.hit.rate",
        "prompt tokens served from cached KV blocks / prompt tokens",
        tags,
        engine,
        e -> hitRate(e.stats()));
  }

  private static double hitRate(EngineStats s) {
    return s.promptTokens() == 0 ? 0 : (double) s.prefixCacheHitTokens() / s.promptTokens();
  }

  private static <T> void counter(
      MeterRegistry r, String name, String help, Tags tags, T obj, ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, obj, f).description(help).tags(tags).register(r);
  }

  private static <T> void gauge(
      MeterRegistry r, String name, String help, Tags tags, T obj, ToDoubleFunction<T> f) {
    Gauge.builder(name, obj, f).description(help).tags(tags).register(r);
  }

  /** Tokens per second over a sliding window, sampled at each scrape. */
  private static final class TokenRate {
    private static final long WINDOW_NANOS = 10_000_000_000L;
    private final ProcessorStats stats;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    TokenRate(ProcessorStats stats) {
      this.stats = stats;
    }

    synchronized double perSecond() {
      long now = System.nanoTime();
      long tokens = stats.outputTokens();
      samples.addLast(new long[] {now, tokens});
      while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW_NANOS) {
        samples.pollFirst();
      }
      long[] first = samples.peekFirst();
      double seconds = (now - first[0]) / 1e9;
      return seconds <= 0 ? 0 : (tokens - first[1]) / seconds;
    }
  }
}
