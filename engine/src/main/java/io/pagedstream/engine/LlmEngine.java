package io.pagedstream.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.pagedstream.core.OneLine;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.KvPoolLimit;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.kv.AvailableMemory;
import io.pagedstream.engine.kv.BlockPool;
import io.pagedstream.engine.kv.BlockTable;
import io.pagedstream.engine.kv.KvCache;
import io.pagedstream.engine.kv.KvCacheManager;
import io.pagedstream.engine.kv.SwapSpace;
import io.pagedstream.engine.model.AttentionProduct;
import io.pagedstream.engine.model.BatchBuilder;
import io.pagedstream.engine.model.BatchInvariance;
import io.pagedstream.engine.model.DenseProduct;
import io.pagedstream.engine.model.LayerScripts;
import io.pagedstream.engine.model.LlamaModel;
import io.pagedstream.engine.model.PackedLinear;
import io.pagedstream.engine.model.RowLogprobs;
import io.pagedstream.engine.model.SampledLogits;
import io.pagedstream.engine.model.StepProfile;
import io.pagedstream.engine.model.Weights;
import io.pagedstream.engine.precision.Caster;
import io.pagedstream.engine.precision.Precision;
import io.pagedstream.engine.sampling.Sampler;
import io.pagedstream.engine.scheduler.ScheduledChunk;
import io.pagedstream.engine.scheduler.Scheduler;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.engine.scheduler.SchedulerOutput;
import io.pagedstream.engine.scheduler.Sequence;
import io.pagedstream.engine.scheduler.Swapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving engine: requests go in with {@link #add}, each {@link #step} runs one scheduler step
 * and one forward pass over every scheduled sequence, and returns the requests that finished. Not
 * thread-safe: one thread adds and steps (the forward pass's native scopes are per thread).
 */
public final class LlmEngine implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LlmEngine.class);

  private final EngineConfig config;
  private final ModelSpec spec;
  private final NDManager manager;
  private final Weights weights;
  private final PackedLinear packed;
  private final LayerScripts scripts;
  private final KvCache cache;
  private final SwapSpace swapSpace;
  private final Scheduler scheduler;
  private final BatchBuilder batchBuilder;
  private final LlamaModel model;
  private EngineStats stats = new EngineStats();
  private final List<RequestOutput> rejected = new ArrayList<>();
  private final SplittableRandom seeds = new SplittableRandom();
  private long arrivals;
  private final java.util.Map<String, RequestState> active = new java.util.HashMap<>();
  private TokenDecoder decoder;
  private LogitsObserver logitsObserver;
  private final BatchInvariance invariance;
  private final Precision precision;
  private final Caster caster;
  private final RequestValidator validator;

  private LlmEngine(
      EngineConfig config, ModelSpec spec, NDManager manager, Weights loaded, Precision precision) {
    this.config = config;
    this.spec = spec;
    this.manager = manager;
    this.precision = precision;
    this.caster = precision.caster(manager);
    // bfloat16 products on a CPU run against weights packed once for oneDNN (see PackedLinear)
    this.packed =
        precision.weights() == Dtype.BFLOAT16 && !manager.getDevice().isGpu()
            ? PackedLinear.open(manager).orElse(null)
            : null;
    DenseProduct product = new DenseProduct(caster, precision.weights(), packed);
    this.weights = loaded.prepared(product::prepare);
    int swapBlocks =
        SwapSpace.blocksForBytes(config.swapSpaceBytes(), spec, config.blockSize(), precision.kv());
    AvailableMemory.requireFits(
        manager.getDevice().isGpu()
            ? 0
            : KvCache.bytesFor(spec, config.numKvBlocks(), config.blockSize(), precision.kv()),
        KvCache.bytesFor(spec, swapBlocks, config.blockSize(), precision.kv()));
    this.cache =
        new KvCache(
            manager,
            manager.getDevice(),
            spec,
            config.numKvBlocks(),
            config.blockSize(),
            precision,
            caster);
    this.swapSpace =
        swapBlocks > 0
            ? new SwapSpace(manager, spec, swapBlocks, config.blockSize(), precision)
            : null;
    KvCacheManager kv =
        new KvCacheManager(
            new BlockPool(config.numKvBlocks()),
            config.blockSize(),
            config.prefixCaching() && config.kvLayout() == KvLayout.PAGED);
    this.scheduler =
        new Scheduler(
            config.schedulerConfig(), kv, swapSpace == null ? null : swapper(), cache::copyBlock);
    AttentionProduct attention = new AttentionProduct(caster, precision.kv(), precision.weights());
    this.invariance =
        config.batchInvariant()
            ? BatchInvariance.measure(weights, manager, product, attention)
            : BatchInvariance.none();
    if (invariance.verified() || !config.batchInvariant()) {
      LOG.debug("{}", invariance);
    } else {
      LOG.warn(
          "{}: outputs may differ slightly with batch composition on this machine", invariance);
    }
    this.batchBuilder = new BatchBuilder(config.blockSize(), invariance);
    // one native call per block where the packed bfloat16 products run (see LayerScripts)
    this.scripts =
        packed != null && config.layerScripts() ? LayerScripts.open(manager, spec) : null;
    this.model =
        new LlamaModel(weights, cache, manager, invariance, product, attention, caster, scripts);
    // one sample must fit: the scheduler preempts and resumes a group's samples one by one
    KvPoolLimit pool =
        new KvPoolLimit(
            config.numKvBlocks(),
            config.blockSize(),
            (promptTokens, params) -> scheduler.blocksNeeded(promptTokens, params.maxTokens()));
    this.validator = new RequestValidator(spec, Optional.empty(), Optional.of(pool));
  }

  /** Loads a Hugging Face model folder (config.json + safetensors) onto the configured device. */
  public static LlmEngine load(Path modelDir, EngineConfig config) {
    ModelSpec spec = ModelSpec.load(modelDir);
    if (spec.ropeScaling() != null) {
      spec.ropeScaling().requireSupported();
    }
    Device device = resolveDevice(config.device());
    NDManager manager = NDManager.newBaseManager(device, "PyTorch");
    Precision precision = null;
    try {
      EngineConfig runnable = config;
      precision = openPrecision(config, manager);
      if (precision.weights() != config.dtype() || precision.kv() != config.kvCacheDtype()) {
        runnable = config.withDtypes(precision.weights(), precision.kv());
      }
      ResidentMemory.resetPeak();
      long before = ResidentMemory.current();
      Weights weights = Weights.load(modelDir, spec, manager, device, precision);
      LoadMemory loaded = new LoadMemory(before, ResidentMemory.peak());
      LlmEngine engine = new LlmEngine(runnable, spec, manager, weights, precision);
      engine.loadMemory = loaded;
      return engine;
    } catch (RuntimeException e) {
      if (precision != null) {
        precision.close();
      }
      manager.close();
      throw e;
    }
  }

  /**
   * The configured dtypes, or the nearest ones the device runs: bfloat16 needs PyTorch to make and
   * multiply bfloat16 arrays (tried once, on a few elements, with the precision's own converter);
   * without it weights fall back to float32 and the KV cache to float16, which keeps the KV pool's
   * byte size and so the batcher's estimates.
   */
  private static Precision openPrecision(EngineConfig config, NDManager manager) {
    boolean wantsBf16 = config.dtype() == Dtype.BFLOAT16 || config.kvCacheDtype() == Dtype.BFLOAT16;
    if (wantsBf16
        && manager.getDevice().isGpu()
        && config.kvCacheDtype() == Dtype.BFLOAT16
        && config.swapSpaceBytes() > 0) {
      throw new IllegalArgumentException(
          "--preemption-mode swap with a bfloat16 KV cache on a GPU is not supported "
              + "(DJL cannot copy bfloat16 arrays between devices); use --kv-cache-dtype float16 or recompute");
    }
    if (wantsBf16) {
      try {
        Precision p = Precision.open(manager, config.dtype(), config.kvCacheDtype());
        if (p.bfloat16Runs(manager)) {
          return p;
        }
        p.close();
      } catch (RuntimeException e) {
        // falls back below
      }
      Dtype weights = config.dtype() == Dtype.BFLOAT16 ? Dtype.FLOAT32 : config.dtype();
      Dtype kv = config.kvCacheDtype() == Dtype.BFLOAT16 ? Dtype.FLOAT16 : config.kvCacheDtype();
      LOG.warn(
          "bfloat16 does not run on {} here: using --dtype {} --kv-cache-dtype {}",
          manager.getDevice(),
          weights,
          kv);
      return Precision.open(manager, weights, kv);
    }
    return Precision.open(manager, config.dtype(), config.kvCacheDtype());
  }

  /** "cpu", "cuda" or "auto"; "cuda" fails with a clear message when PyTorch sees no GPU. */
  public static Device resolveDevice(String name) {
    int gpus = Engine.getEngine("PyTorch").getGpuCount();
    return switch (name) {
      case "cpu" -> Device.cpu();
      case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
      case "cuda", "gpu" -> {
        if (gpus == 0) {
          throw new IllegalStateException(
              "--device cuda: PyTorch sees no CUDA GPU (build with -Pcuda for the "
                  + "CUDA natives, and check the NVIDIA driver)");
        }
        yield Device.gpu();
      }
      default ->
          throw new IllegalArgumentException("unknown device '" + name + "' (cpu, cuda, auto)");
    };
  }

  /**
   * Queues a request. Requests that can never run (too long for the model or for the whole KV pool,
   * token ids outside the vocabulary) are answered with an error by the next {@link #step}.
   */
  public void add(String id, int[] promptTokenIds, SamplingParams params) {
    if (validator.validateIds(id, null, promptTokenIds, params)
        instanceof RequestValidator.Verdict.Rejected r) {
      rejected.add(RequestOutput.error(id, promptTokenIds.clone(), r.error()));
      return;
    }
    if (!params.stop().isEmpty() && decoder == null) {
      rejected.add(
          RequestOutput.error(
              id, promptTokenIds.clone(), "stop strings need a model with a tokenizer"));
      return;
    }
    if (active.containsKey(id)) {
      throw new IllegalArgumentException("request id " + id + " is already in the engine");
    }
    // sample i draws from seed + i; an unseeded request gets one random base for all its samples
    long seed = params.seed() != null ? params.seed() : seeds.nextLong();
    stats.promptTokens += promptTokenIds.length;
    Sequence s = new Sequence(id, arrivals++, promptTokenIds, params, seed, 0);
    StopStrings stops = params.stop().isEmpty() ? null : new StopStrings(params.stop(), decoder);
    active.put(id, new RequestState(id, promptTokenIds.clone(), params, seed, s, stops));
    scheduler.add(s);
  }

  /**
   * The tokenizer's decoding, which stop strings are matched against; without one, requests with
   * stop strings are answered with an error.
   */
  public void setTokenDecoder(TokenDecoder decoder) {
    this.decoder = decoder;
  }

  public boolean hasUnfinished() {
    return !rejected.isEmpty() || scheduler.hasUnfinished();
  }

  /** Runs one step; returns the requests that finished in it (and any rejected since the last). */
  public List<RequestOutput> step() {
    long stepStart = System.nanoTime();
    List<RequestOutput> done = new ArrayList<>(rejected);
    stats.errors += rejected.size();
    stats.finished += rejected.size();
    rejected.clear();
    SchedulerOutput out = scheduler.schedule();
    stats.preemptions += out.preempted();
    stats.swapOuts += out.swappedOut();
    stats.swapIns += out.swappedIn();
    stats.prefixCacheHitTokens = scheduler.prefixHitTokens();
    if (out.isEmpty()) {
      return done;
    }
    stats.steps++;
    stats.peakRunning = Math.max(stats.peakRunning, scheduler.running().size());
    SampledLogits logits;
    if (profile != null && out.chunks().stream().allMatch(c -> c.length() == 1)) {
      profile.begin(stepStart, out.chunks().size());
    }
    long forwardStart = System.nanoTime();
    try {
      var forwardBatch = batchBuilder.build(out.chunks());
      boolean[] wanted = fullRowsWanted(out.chunks());
      if (profile != null) {
        profile.mark(StepProfile.Section.SCHEDULING);
      }
      logits = model.forward(forwardBatch, wanted, logprobsWanted(out.chunks()));
      stats.forwardSeconds += (System.nanoTime() - forwardStart) / 1e9;
    } catch (RuntimeException e) {
      String message = "engine failure: " + OneLine.of(e);
      for (ScheduledChunk c : out.chunks()) {
        RequestOutput failed = fail(c.sequence().requestId(), message);
        if (failed != null) {
          done.add(failed);
        }
      }
      return done;
    }
    int vocab = spec.vocabSize();
    int row = 0;
    for (ScheduledChunk c : out.chunks()) {
      Sequence s = c.sequence();
      stats.computedTokens += c.length();
      stats.attentionPairs += (long) c.length() * (c.start() + c.end() + 1) / 2;
      stats.recomputedTokens += Math.max(0, Math.min(c.end(), s.maxComputed()) - c.start());
      scheduler.markComputed(c);
      if (!c.samples()) {
        continue;
      }
      int r = row++;
      float[] full = logits.rows()[r];
      if (logitsObserver != null) {
        logitsObserver.observe(s.requestId(), s.outputLength(), full, 0, vocab);
      }
      RequestState request = active.get(s.requestId());
      List<Sequence> samples = List.of(s);
      if (s.forkPending()) {
        // the prompt is computed: its other samples share its blocks and its last logits
        samples = new ArrayList<>(s.params().n());
        samples.add(s);
        for (int i = 1; i < s.params().n(); i++) {
          Sequence child = s.fork(i, request.seedOf(i));
          request.addSample(child);
          samples.add(child);
        }
        scheduler.fork(s, samples.subList(1, samples.size()));
      }
      for (Sequence sample : samples) {
        RequestOutput o = advance(request, sample, r, logits, full);
        if (o != null) {
          done.add(o);
        }
      }
    }
    recordKvUse();
    if (profile != null) {
      profile.mark(StepProfile.Section.SCHEDULING);
      profile.end();
    }
    return done;
  }

  private StepProfile profile;

  /** Starts charging decode-only steps' time to sections (see {@link StepProfile}); returns it. */
  public StepProfile profileDecodeSteps() {
    profile = new StepProfile();
    model.setProfile(profile);
    return profile;
  }

  /**
   * Which sampled rows need their whole logits in Java: sampled requests, and all when observed.
   */
  private boolean[] fullRowsWanted(List<ScheduledChunk> chunks) {
    int n = 0;
    for (ScheduledChunk c : chunks) {
      n += c.samples() ? 1 : 0;
    }
    boolean[] wanted = new boolean[n];
    int row = 0;
    for (ScheduledChunk c : chunks) {
      if (c.samples()) {
        wanted[row++] = logitsObserver != null || !c.sequence().params().isGreedy();
      }
    }
    return wanted;
  }

  /**
   * Drops a request without an output (its work moved elsewhere, e.g. after a rebalance) and frees
   * its blocks. Returns false when the engine does not hold it.
   */
  public boolean abort(String id) {
    RequestState request = active.remove(id);
    if (request == null) {
      return rejected.removeIf(o -> o.id().equals(id));
    }
    for (Sequence s : request.samples()) {
      scheduler.finish(s, null, null);
    }
    return true;
  }

  /**
   * Samples one sample's next token from row {@code r}, records its log-probabilities, and ends the
   * sample at a stop token, EOS, stop string or max_tokens; returns the request's output when that
   * was its last sample.
   */
  private RequestOutput advance(
      RequestState request, Sequence s, int r, SampledLogits logits, float[] full) {
    SamplingParams p = s.params();
    int token =
        p.isGreedy()
            ? logits.argmax()[r]
            : Sampler.sample(full, 0, spec.vocabSize(), p, s.seed(), s.outputLength());
    s.appendToken(token);
    stats.outputTokens++;
    if (p.wantsLogprobs()) {
      request.addLogprobs(
          s.sampleIndex(), tokenLogprobs(token, p.logprobs(), logits.logprobs(r), full));
    }
    if ((!p.ignoreEos() && spec.isEos(token)) || p.stopTokenIds().contains(token)) {
      return finish(request, s, FinishReason.STOP, null, null);
    }
    if (request.stopStrings() != null) {
      StopStrings.Match m =
          request.stopStrings().check(s.tokenBuffer(), s.promptLength(), s.length());
      if (m != null) {
        return finish(request, s, FinishReason.STOP, m.textBefore(), m.stop());
      }
    }
    if (s.outputLength() >= p.maxTokens()) {
      return finish(request, s, FinishReason.LENGTH, null, null);
    }
    return null;
  }

  /**
   * The chosen token's log-probability and the first {@code k} alternatives. The device's value
   * when the token is among the alternatives (always for greedy rows: the argmax is the top-1, or
   * ties with it); otherwise, for a sampled token further down, its float32 logit (the row is in
   * Java for sampling) minus the device's log-sum-exp.
   */
  private static TokenLogprobs tokenLogprobs(int token, int k, RowLogprobs row, float[] full) {
    float chosen = full == null ? row.topLogprobs()[0] : full[token] - row.logSumExp();
    for (int i = 0; i < row.topTokenIds().length; i++) {
      if (row.topTokenIds()[i] == token) {
        chosen = row.topLogprobs()[i];
        break;
      }
    }
    int n = Math.min(k, row.topTokenIds().length);
    return new TokenLogprobs(
        token,
        chosen,
        java.util.Arrays.copyOf(row.topTokenIds(), n),
        java.util.Arrays.copyOf(row.topLogprobs(), n));
  }

  /** Which sampled rows want log-probabilities, and how many alternatives; null when none do. */
  private static int[] logprobsWanted(List<ScheduledChunk> chunks) {
    int[] k = null;
    int row = 0;
    for (ScheduledChunk c : chunks) {
      if (!c.samples()) {
        continue;
      }
      Integer wanted = c.sequence().params().logprobs();
      if (wanted != null) {
        if (k == null) {
          k = new int[chunks.size()];
          java.util.Arrays.fill(k, -1);
        }
        k[row] = wanted;
      }
      row++;
    }
    return k == null ? null : java.util.Arrays.copyOf(k, row);
  }

  private RequestOutput finish(
      RequestState request, Sequence s, FinishReason reason, String stopText, String matchedStop) {
    scheduler.finish(s, reason, null);
    if (!request.finish(s, reason, stopText, matchedStop)) {
      return null;
    }
    active.remove(request.id());
    stats.finished++;
    return request.output(null);
  }

  /** Ends every sample of a request with an error; null when the request already answered. */
  private RequestOutput fail(String id, String error) {
    RequestState request = active.remove(id);
    if (request == null) {
      return null;
    }
    for (Sequence s : request.samples()) {
      scheduler.finish(s, FinishReason.ERROR, error);
    }
    request.failRest();
    stats.finished++;
    stats.errors++;
    return request.output(error);
  }

  /** Peak blocks and the step's KV waste: reserved slots that hold no token yet. */
  private void recordKvUse() {
    BlockPool pool = scheduler.kvCacheManager().pool();
    stats.peakBlocksUsed = Math.max(stats.peakBlocksUsed, pool.inUse());
    long reserved = (long) pool.inUse() * config.blockSize();
    if (reserved == 0) {
      return;
    }
    BitSet counted = new BitSet(config.numKvBlocks());
    long held = 0;
    for (Sequence s : scheduler.running()) {
      BlockTable t = s.blockTable();
      for (int i = 0; i < t.size(); i++) {
        if (!counted.get(t.get(i))) {
          counted.set(t.get(i));
          held +=
              Math.max(0, Math.min(config.blockSize(), s.numComputed() - i * config.blockSize()));
        }
      }
    }
    stats.wasteSum += (double) (reserved - held) / reserved;
    stats.wasteSteps++;
  }

  private Swapper swapper() {
    return new Swapper() {
      @Override
      public int available() {
        return swapSpace.available();
      }

      @Override
      public int[] swapOut(int[] deviceBlocks) {
        return swapSpace.swapOut(cache, deviceBlocks);
      }

      @Override
      public void swapIn(int[] hostBlocks, int[] deviceBlocks) {
        swapSpace.swapIn(cache, hostBlocks, deviceBlocks);
      }

      @Override
      public void discard(int[] hostBlocks) {
        swapSpace.release(hostBlocks);
      }
    };
  }

  public void setLogitsObserver(LogitsObserver observer) {
    this.logitsObserver = observer;
  }

  /** Whether layers run as one TorchScript call per block where they can (see LayerScripts). */
  public boolean runsLayerScripts() {
    return scripts != null;
  }

  /** The padding that keeps results independent of batch composition on this machine. */
  public BatchInvariance batchInvariance() {
    return invariance;
  }

  public EngineStats stats() {
    return stats;
  }

  /** Starts the counters afresh (after a warm-up, say); cached prefix blocks stay cached. */
  public void resetStats() {
    stats = new EngineStats();
  }

  public ModelSpec spec() {
    return spec;
  }

  public EngineConfig config() {
    return config;
  }

  public Device device() {
    return manager.getDevice();
  }

  public int numRunning() {
    return scheduler.running().size();
  }

  public int numWaiting() {
    return scheduler.numWaiting() + scheduler.numSwapped();
  }

  public int kvBlocksUsed() {
    return scheduler.kvCacheManager().pool().inUse();
  }

  /**
   * The process's resident bytes before the weights loaded and at the peak of loading them (-1
   * where /proc is missing): loading should add no more than the weights themselves.
   */
  public record LoadMemory(long rssBeforeBytes, long rssPeakBytes) {}

  private LoadMemory loadMemory = new LoadMemory(-1, -1);

  public LoadMemory loadMemory() {
    return loadMemory;
  }

  /** Bytes held by the KV cache's K and V tensors. */
  public long kvCacheBytes() {
    return cache.bytes();
  }

  /** The KV pool's storage, for tests of what it holds. */
  KvCache kvCache() {
    return cache;
  }

  /** The dtypes the engine runs in (after any fallback from the configured ones). */
  public Precision precision() {
    return precision;
  }

  @Override
  public void close() {
    if (swapSpace != null) {
      swapSpace.close();
    }
    cache.close();
    caster.close();
    weights.close();
    if (scripts != null) {
      scripts.close();
    }
    if (packed != null) {
      packed.close();
    }
    precision.close();
    manager.close();
  }
}
