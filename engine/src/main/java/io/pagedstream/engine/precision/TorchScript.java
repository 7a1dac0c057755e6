package io.pagedstream.engine.precision;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A one-method TorchScript module, written from its source at start-up and loaded through DJL: the
 * way to reach PyTorch operations DJL has no call for (bfloat16 conversions, oneDNN's pre-packed
 * linear). The archive is what {@code torch.jit.save} writes for a module without parameters (a
 * pickled module object, its TorchScript source, the format version), generated here so that the
 * repository holds only source.
 */
public final class TorchScript implements AutoCloseable {

  /** c10's ScalarType::Float, as TorchScript's serialized code writes a dtype. */
  public static final int FLOAT32 = 6;

  /** c10's ScalarType::BFloat16, as TorchScript's serialized code writes a dtype. */
  public static final int BFLOAT16 = 15;

  private final Model module;
  private final ParameterStore store;

  private TorchScript(Model module, NDManager manager) {
    this.module = module;
    this.store = new ParameterStore(manager, false);
  }

  /**
   * Loads {@code forward(self, <parameters>) -> Tensor: <body>} as class {@code name} onto the
   * manager's device.
   *
   * @param parameters TorchScript parameter list, e.g. {@code "x: Tensor, w: Tensor"}
   * @param body TorchScript statements, one per line, the last a return, e.g. {@code "return
   *     torch.relu(x)"}
   * @throws IllegalStateException when PyTorch refuses the module (an operation it lacks)
   */
  public static TorchScript load(NDManager manager, String name, String parameters, String body) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("pagedstream-ts");
      Path file = dir.resolve(name + ".pt");
      write(file, name, parameters, body);
      Model model = Model.newInstance(name, manager.getDevice(), "PyTorch");
      try {
        model.load(file);
      } catch (MalformedModelException | IOException | RuntimeException e) {
        model.close();
        throw e;
      }
      return new TorchScript(model, manager);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the TorchScript module " + name, e);
    } catch (MalformedModelException | RuntimeException e) {
      throw new IllegalStateException(
          "PyTorch refused the TorchScript module " + name + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(dir);
    }
  }

  /** Runs the module; its result is attached to the first input's manager. */
  public NDArray forward(NDArray... inputs) {
    // "training": DJL runs inference in PyTorch's InferenceMode, whose tensors refuse the in-place
    // writes the engine makes into them (a bfloat16 scratch or KV array filled with set); nothing
    // here requires gradients, so no graph is recorded either way
    NDArray out = module.getBlock().forward(store, new NDList(inputs), true).singletonOrThrow();
    out.attach(inputs[0].getManager());
    return out;
  }

  @Override
  public void close() {
    module.close();
  }

  private static void write(Path file, String name, String parameters, String body)
      throws IOException {
    String code =
        "class "
            + name
            + "(Module):\n"
            + "  __parameters__ = []\n"
            + "  __buffers__ = []\n"
            + "  training : bool\n"
            + "  _is_full_backward_hook : Optional[bool]\n"
            + "  def forward(self: __torch__."
            + name
            + ",\n"
            + "    "
            + parameters
            + ") -> Tensor:\n"
            + "    "
            + body.replace("\n", "\n    ")
            + "\n";
    // pickle protocol 2: GLOBAL __torch__.<name>, EMPTY_TUPLE, NEWOBJ, then its state dict
    // {"training": True, "_is_full_backward_hook": None} set with BUILD
    byte[] data =
        bytes(
            "\u0080\u0002c__torch__\n"
                + name
                + "\nq\u0000)\u0081}(X\u0008\u0000\u0000\u0000trainingq\u0001\u0088"
                + "X\u0016\u0000\u0000\u0000_is_full_backward_hookq\u0002Nubq\u0003.");
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      stored(zip, name + "/data.pkl", data);
      stored(zip, name + "/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
      stored(zip, name + "/constants.pkl", bytes("\u0080\u0002)."));
      stored(zip, name + "/version", bytes("3\n"));
    }
  }

  /** PyTorch's archive reader expects uncompressed entries. */
  private static void stored(ZipOutputStream zip, String name, byte[] content) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(content.length);
    e.setCompressedSize(content.length);
    CRC32 crc = new CRC32();
    crc.update(content);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(content);
    zip.closeEntry();
  }

  private static byte[] bytes(String latin1) {
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temp file is harmless
    }
  }
}
