package io.pagedstream.engine.precision;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
 * Makes bfloat16 arrays, which DJL 0.33 cannot ask PyTorch for (see the package documentation): a
 * two-line TorchScript module, {@code x.to(torch.bfloat16)}, written at start-up and loaded through
 * DJL, does the conversion inside PyTorch, where the dtype is never named across JNI.
 *
 * <p>The arrays it returns report {@code DataType.UNKNOWN} in Java. PyTorch knows them as bfloat16
 * and runs matmul, add, mul, views, gathers, {@code set} (which converts its float32 source in
 * place) and {@code toType(FLOAT32 | FLOAT16)} on them; any DJL call that passes the array's own
 * dtype back to native code (softmax, zerosLike, toDevice with a copy, ...) would abort the
 * process, so {@link Precision} confines them to those operations.
 */
public final class Bfloat16Arrays implements AutoCloseable {

  /** ScalarType::BFloat16 in c10's enumeration, as TorchScript's serialized code writes dtypes. */
  private static final int TORCH_BFLOAT16 = 15;

  private final Model module;
  private final ParameterStore store;
  private final NDManager manager;

  private Bfloat16Arrays(Model module, NDManager manager) {
    this.module = module;
    this.manager = manager;
    this.store = new ParameterStore(manager, false);
  }

  /** Loads the conversion module onto the manager's device. */
  public static Bfloat16Arrays open(NDManager manager) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("pagedstream-bf16");
      Path file = dir.resolve("to_bf16.pt");
      writeModule(file);
      Model model = Model.newInstance("to_bf16", manager.getDevice(), "PyTorch");
      model.load(file);
      return new Bfloat16Arrays(model, manager);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the bfloat16 conversion module", e);
    } catch (MalformedModelException e) {
      throw new IllegalStateException(
          "PyTorch refused the bfloat16 conversion module: " + e.getMessage(), e);
    } finally {
      deleteQuietly(dir);
    }
  }

  /** A contiguous bfloat16 copy of {@code x} (any float dtype), attached to {@code x}'s manager. */
  public NDArray convert(NDArray x) {
    NDArray out = module.getBlock().forward(store, new NDList(x), true).singletonOrThrow();
    out.attach(x.getManager());
    return out;
  }

  /** A bfloat16 array of zeros, made without a float32 array of the same size. */
  public NDArray zeros(NDManager target, Shape shape) {
    try (NDManager m = manager.newSubManager()) {
      NDArray scalar = m.zeros(new Shape(1));
      NDArray out =
          module
              .getBlock()
              .forward(store, new NDList(scalar.broadcast(shape)), true)
              .singletonOrThrow();
      out.attach(target);
      return out;
    }
  }

  @Override
  public void close() {
    module.close();
  }

  /**
   * The archive {@code torch.jit.save} writes for {@code forward(x) = x.to(torch.bfloat16)}: a
   * pickled module object without parameters, its TorchScript source, and the format version.
   * Written here rather than shipped as a binary so that the repository holds only source.
   */
  private static void writeModule(Path file) throws IOException {
    String code =
        "class ToBf16(Module):\n"
            + "  __parameters__ = []\n"
            + "  __buffers__ = []\n"
            + "  training : bool\n"
            + "  _is_full_backward_hook : Optional[bool]\n"
            + "  def forward(self: __torch__.ToBf16,\n"
            + "    x: Tensor) -> Tensor:\n"
            + "    return torch.contiguous(torch.to(x, "
            + TORCH_BFLOAT16
            + "))\n";
    // pickle protocol 2: GLOBAL __torch__.ToBf16, EMPTY_TUPLE, NEWOBJ, then its state dict
    // {"training": True, "_is_full_backward_hook": None} set with BUILD
    byte[] data =
        bytes(
            "\u0080\u0002c__torch__\nToBf16\nq\u0000)\u0081}(X\u0008\u0000\u0000\u0000trainingq\u0001\u0088"
                + "X\u0016\u0000\u0000\u0000_is_full_backward_hookq\u0002Nubq\u0003.");
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      stored(zip, "to_bf16/data.pkl", data);
      stored(zip, "to_bf16/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
      stored(zip, "to_bf16/constants.pkl", bytes("\u0080\u0002)."));
      stored(zip, "to_bf16/version", bytes("3\n"));
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
