package io.compactor.compaction.bucket;

/**
 * Where one logical key of a bucket rule lives.
 *
 * @param rule the rule that owns the key
 * @param key the logical key (also where a value written before the rule existed is found)
 * @param bucket the hash holding the value as a field
 * @param field the field within {@code bucket}
 * @param overflow the string key holding a value too long for the bucket's listpack
 * @param scratch the key the scripts run string commands on, in the bucket's slot
 */
public record Placement(BucketRule rule, byte[] key, byte[] bucket, byte[] field, byte[] overflow, byte[] scratch) {}
