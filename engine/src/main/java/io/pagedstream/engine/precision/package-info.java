/**
 * The engine's dtypes: which ones a device runs ({@link
 * io.pagedstream.engine.precision.DtypeChoice}), how arrays of them are made ({@link
 * io.pagedstream.engine.precision.Precision}) and how float32 activations cross into them ({@link
 * io.pagedstream.engine.precision.Caster}).
 *
 * <p><b>Why bfloat16 needs a detour.</b> DJL 0.33 (and every release through 0.36 with PyTorch
 * 2.7.1) passes a dtype to native code as {@code DataType.ordinal()}, and its JNI lookup {@code
 * GetScalarTypeFromDType} (djl_pytorch_utils.h) knows ordinals 0-8 only; BFLOAT16 is 11, so the
 * lookup reaches {@code default: throw;} - a rethrow with no exception in flight, which calls
 * {@code std::terminate()} and kills the JVM ("terminate called without an active exception")
 * before DJL's exception translation can run. Any call that names bfloat16 ({@code toType}, {@code
 * zeros}, {@code create} from a buffer) dies that way; the reverse lookup maps PyTorch's kBFloat16
 * to UNKNOWN, so a bfloat16 tensor that PyTorch made on its own is usable from Java as long as no
 * call sends its dtype back. {@link io.pagedstream.engine.precision.Bfloat16Arrays} makes such
 * tensors with a tiny TorchScript module (generated at start-up, not shipped as a binary), and the
 * engine only runs matmul, add, views, gathers, {@code set}, {@code toType(FLOAT32)} and its own
 * {@link io.pagedstream.engine.precision.TorchScript} modules on them. No library offers this; the
 * real fix is a two-line change to DJL's native lookup.
 *
 * <p><b>Why bfloat16 matters on CPUs.</b> PyTorch runs bfloat16 products through oneDNN with
 * AVX512-BF16 or AMX, about twice float32's rate from 16 rows up; float16 products have a fast path
 * only with AVX512-FP16 or AMX-FP16 and are otherwise emulated, 10-100x slower than float32.
 */
package io.pagedstream.engine.precision;
