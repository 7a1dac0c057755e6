package io.pagedstream.batcher;

import io.pagedstream.core.memory.MemoryPlan;
import io.pagedstream.core.request.ServedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the batcher needs to know about the processors it feeds and how long requests may wait.
 * Block size and KV budget must match the processors' ({@code --block-size}, {@code --kv-blocks} or
 * {@code --kv-cache-gib}), or batches will not fit them.
 *
 * @param modelDir the model folder: {@code config.json} for the limits and the memory model, {@code
 *     tokenizer.json} (optional) for text prompts
 * @param blockSize tokens per KV block (the engine's default is 16)
 * @param kvBudget KV blocks one batch may need at most, summed over its requests' estimates
 * @param maxBatchRequests requests per batch at most (the engine's {@code --max-num-seqs})
 * @param maxOpenBatches batches each task keeps open for packing at once (see {@link BatchPacker})
 * @param flushInterval how long a batch stays open before it is sent however full it is
 * @param applicationId the Kafka Streams application id: consumer group, transactional ids,
 *     internal topic names; also the start of every batch id and the service named in errors
 * @param storeName the state store of open batches (its entries live in {@code storeName +
 *     "-requests"}); changelogged, so a restarted batcher continues where it stopped
 * @param threadRestartBackoff how long a failed stream thread waits before it is replaced, so a
 *     registry outage does not spin rebalances
 * @param prefixBlocks leading full KV blocks of a prompt that make its prefix-routing key (see
 *     {@link PrefixRoute}); 0 turns prefix-aware batching and routing off
 * @param servedModelName the name OpenAI batch lines must give as their {@code model}; null for the
 *     model folder's name ({@code --served-model-name})
 */
public record BatcherConfig(
    Path modelDir,
    int blockSize,
    KvBudget kvBudget,
    int maxBatchRequests,
    int maxOpenBatches,
    Duration flushInterval,
    String applicationId,
    String storeName,
    Duration threadRestartBackoff,
    int prefixBlocks,
    String servedModelName) {

  public static final String DEFAULT_APPLICATION_ID = "pagedstream-batcher";
  public static final String DEFAULT_STORE_NAME = "open-batches";

  /** The engine's default pool: {@code --kv-cache-gib 1.0} of float32 K and V. */
  public static final KvBudget DEFAULT_KV_BUDGET = KvBudget.gib(1.0);

  /** The engine's default {@code --max-num-seqs}. */
  public static final int DEFAULT_MAX_BATCH_REQUESTS = 256;

  public static final int DEFAULT_MAX_OPEN_BATCHES = 4;
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(200);

  /** One block: prompts sharing their first 16 tokens already share cached KV. */
  public static final int DEFAULT_PREFIX_BLOCKS = 1;

  /** Application ids become topic names and transactional ids: Kafka's topic name characters. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  public BatcherConfig {
    Objects.requireNonNull(modelDir, "modelDir");
    Objects.requireNonNull(kvBudget, "kvBudget");
    Objects.requireNonNull(flushInterval, "flushInterval");
    Objects.requireNonNull(threadRestartBackoff, "threadRestartBackoff");
    require(blockSize >= 1, "block size must be at least 1, got " + blockSize);
    require(
        maxBatchRequests >= 1,
        "max requests per batch must be at least 1, got " + maxBatchRequests);
    require(maxOpenBatches >= 1, "max open batches must be at least 1, got " + maxOpenBatches);
    require(
        flushInterval.toMillis() >= 1,
        "flush interval must be at least 1 ms, got " + flushInterval);
    require(!threadRestartBackoff.isNegative(), "thread restart backoff cannot be negative");
    require(prefixBlocks >= 0, "prefix blocks must be 0 (off) or more, got " + prefixBlocks);
    require(
        applicationId != null && NAME.matcher(applicationId).matches(),
        "application id must be letters, digits, '.', '_' or '-', got '" + applicationId + "'");
    require(
        storeName != null && NAME.matcher(storeName).matches(),
        "store name must be letters, digits, '.', '_' or '-', got '" + storeName + "'");
  }

  /** The engine's defaults for a model: 16-token blocks, 1 GiB of float32 KV, 256 requests. */
  public static BatcherConfig defaults(Path modelDir) {
    return new BatcherConfig(
        modelDir,
        MemoryPlan.DEFAULT_BLOCK_SIZE,
        DEFAULT_KV_BUDGET,
        DEFAULT_MAX_BATCH_REQUESTS,
        DEFAULT_MAX_OPEN_BATCHES,
        DEFAULT_FLUSH_INTERVAL,
        DEFAULT_APPLICATION_ID,
        DEFAULT_STORE_NAME,
        Duration.ofSeconds(1),
        DEFAULT_PREFIX_BLOCKS,
        null);
  }

  public BatcherConfig withModelDir(Path dir) {
    return new BatcherConfig(
        dir,
        blockSize,
        kvBudget,
        maxBatchRequests,
        maxOpenBatches,
        flushInterval,
        applicationId,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        servedModelName);
  }

  public BatcherConfig withBlockSize(int tokens) {
    return new BatcherConfig(
        modelDir,
        tokens,
        kvBudget,
        maxBatchRequests,
        maxOpenBatches,
        flushInterval,
        applicationId,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        servedModelName);
  }

  public BatcherConfig withKvBudget(KvBudget budget) {
    return new BatcherConfig(
        modelDir,
        blockSize,
        budget,
        maxBatchRequests,
        maxOpenBatches,
        flushInterval,
        applicationId,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        servedModelName);
  }

  public BatcherConfig withMaxBatchRequests(int requests) {
    return new BatcherConfig(
        modelDir,
        blockSize,
        kvBudget,
        requests,
        maxOpenBatches,
        flushInterval,
        applicationId,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        servedModelName);
  }

  public BatcherConfig withMaxOpenBatches(int batches) {
    return new BatcherConfig(
        modelDir,
        blockSize,
        kvBudget,
        maxBatchRequests,
        batches,
        flushInterval,
        applicationId,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        servedModelName);
  }

  public BatcherConfig withFlushInterval(Duration interval) {
    return new BatcherConfig(
        modelDir,
        blockSize,
        kvBudget,
        maxBatchRequests,
        maxOpenBatches,
        interval,
        applicationId,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        servedModelName);
  }

  public BatcherConfig withApplicationId(String id) {
    return new BatcherConfig(
        modelDir,
        blockSize,
        kvBudget,
        maxBatchRequests,
        maxOpenBatches,
        flushInterval,
        id,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        servedModelName);
  }

  public BatcherConfig withPrefixBlocks(int blocks) {
    return new BatcherConfig(
        modelDir,
        blockSize,
        kvBudget,
        maxBatchRequests,
        maxOpenBatches,
        flushInterval,
        applicationId,
        storeName,
        threadRestartBackoff,
        blocks,
        servedModelName);
  }

  public BatcherConfig withServedModelName(String name) {
    return new BatcherConfig(
        modelDir,
        blockSize,
        kvBudget,
        maxBatchRequests,
        maxOpenBatches,
        flushInterval,
        applicationId,
        storeName,
        threadRestartBackoff,
        prefixBlocks,
        name);
  }

  /** The model name OpenAI batch lines must give. */
  public ServedModel servedModel() {
    return ServedModel.of(modelDir, servedModelName);
  }

  /** The store holding each open batch's requests, one entry per request. */
  public String requestStoreName() {
    return storeName + "-requests";
  }

  /**
   * How often the punctuator looks for batches past {@link #flushInterval}: a quarter of it, so a
   * batch waits at most 1.25 intervals, but not more often than every 10 ms nor less than every
   * second.
   */
  public Duration flushCheckPeriod() {
    long quarter = flushInterval.toMillis() / 4;
    return Duration.ofMillis(Math.max(10, Math.min(quarter, 1000)));
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Every (job, request id) accepted, so re-submitted requests are skipped. */
  public String submittedStoreName() {
    return storeName + "-submitted";
  }

  /** The global store over the response-cache topic. */
  public String responseCacheStoreName() {
    return storeName + "-response-cache";
  }
}
