/**
 * Value codecs: the self-describing envelope (DESIGN.md invariant 5) that stored values carry when
 * a compression rule transformed them, the lz4, zstd, zstd-with-dictionary, msgpack, fsst and json codecs behind
 * it, and the sampling, dictionary training and codec selection that feed them.
 *
 * <p>Envelope format v1:
 *
 * <pre>
 * byte 0   0xFC                    magic; a value starting with any other byte is plain
 * byte 1   (version &lt;&lt; 4) | codec  version 1; codec 0 RAW, 1 LZ4, 2 ZSTD, 3 ZSTD_DICT,
 *                                  4 MSGPACK, 5 MSGPACK_ZSTD_DICT, 6 FSST, 7 JSON
 * varint   dictionary id           only for codecs 3, 5, 6 and 7; unsigned LEB128, 1..2^31-1
 * varint   decoded length          the client's value length; unsigned LEB128, at most 5 bytes
 * payload  the rest
 * </pre>
 *
 * <p>Payloads: RAW is the client's bytes verbatim (it escapes a client value that itself starts with
 * {@code 0xFC}); LZ4 is one lz4 block; ZSTD and ZSTD_DICT are one magicless zstd frame without content
 * size, checksum or dictionary id; MSGPACK is msgpack of a JSON document whose decoded length is the JSON's
 * byte length (numbers that are not canonical longs are ext type 0 holding their literal text);
 * MSGPACK_ZSTD_DICT is that msgpack compressed as in ZSTD_DICT; FSST is one code
 * byte per symbol of the symbol table stored under the dictionary id (255: the next byte as it is, see
 * {@link io.compactor.codec.SymbolTable}); JSON is a shape reference and typed values, read with the
 * model stored under the dictionary id (see {@link io.compactor.codec.JsonModel}). Writers only use msgpack when it is no
 * longer than the JSON, so the declared length bounds the intermediate msgpack as well.
 */
package io.compactor.codec;
