-- redis-compactor: string commands on keys stored as fields of bucketed hashes (field format 1).
-- Loaded once per upstream connection (SCRIPT LOAD) and called with EVALSHA; every call is one logical
-- command, run atomically by Redis, and returns exactly the reply Redis gives for that command on a
-- plain string key.
--
-- ARGV[1] operation, ARGV[2] longest field value kept in a bucket (hash-max-listpack-value),
-- ARGV[3] '1' when keys written before the rule existed are also read, ARGV[4..] the operation's own.
-- A bucket placement is KEYS b (bucket), o (overflow key), l (the logical key itself) and a field.
--
-- Field values: anything whose first byte is below 0xFD is the value itself. Otherwise the first byte
-- says what follows: 0xFE a 5-byte expiry (milliseconds since 2025-01-01, big-endian) and the value;
-- 0xFD a 5-byte expiry and an integer value in binary (zigzag, big-endian; the value is its canonical
-- decimal); 0xFF a flags byte, 0 (the value, which itself starts with 0xFD..0xFF) or 1 (a 6-byte Unix
-- millisecond expiry outside the short range, then the value). Values too long for the listpack live in
-- the overflow key as plain strings with a native expiry. A logical key is in at most one of field,
-- overflow key and (before migration) the logical key.

local op = ARGV[1]

-- The hottest paths first, before any function is defined (Redis runs this whole chunk on every call,
-- and each function definition is an allocation): plain SET, then GET of a value without an envelope.
-- 's' / 'sl' (with legacy reads): SET of a value without an expiry, as the field holds it (the proxy has
-- escaped one starting with 0xFD..0xFF as wrap does) and no longer than the listpack limit; ARGV[2]
-- field, ARGV[3] that value (two arguments fewer than 'set').
if op == 's' or op == 'sl' then
  local new = redis.pcall('HSET', KEYS[1], ARGV[2], ARGV[3])
  if type(new) == 'table' then
    return new -- refused (-OOM over the memory limit): as Redis words it, where redis.call would add the script's name
  end
  if new == 1 then
    redis.call('DEL', KEYS[2]) -- a new field: the value may have been in the overflow key ...
    if op == 'sl' then
      redis.call('DEL', KEYS[3]) -- ... or a plain key written before the rule
    end
  end
  redis.call('PERSIST', KEYS[1])
  return { ok = 'OK' }
end

local MAXV = tonumber(ARGV[2])
local LEGACY = ARGV[3] == '1'

local hit
if op == 'get' then
  hit = redis.call('HGET', KEYS[1], ARGV[4])
  if hit then
    local m = string.byte(hit, 1)
    if m == nil or m < 253 then
      return hit
    end
  else
    -- a miss: the overflow key, then (before migration) the plain key; as load() below reads them
    local s = redis.call('GET', KEYS[2])
    if s then
      return s
    end
    if LEGACY then
      return redis.pcall('GET', KEYS[3]) or false -- a WRONGTYPE error table is the reply as it is
    end
    return false
  end
end

-- Compression rules (op 'z'): a string command on keys whose values may be compressed envelopes (first
-- byte 0xFC), which Lua can't decode. ARGV[4] kind: 'r' a read, 'w' a write, 'i' a write answering a
-- 64-bit integer; ARGV[5] n, the command's keys KEYS[1..n] (KEYS[n+1..2n]: scratch keys for reads);
-- ARGV[6..5+2n] per key the envelope the proxy decoded ('' when none) and its decoded value; then the
-- argument index of each key; then the command. A key holding an envelope the proxy has not decoded is
-- answered with {0xFC '__rc:z', i, envelope}: the proxy decodes it and calls again. Otherwise a read runs
-- on scratch copies of the decoded values and a write on the key itself, which keeps the decoded value
-- (uncompressed until the next SET); a written value that starts with 0xFC is escaped again.
-- A compression envelope holding v as it is (codec 0), for a value that would otherwise start like one:
-- 0xFC, version 1 codec 0, the length as an unsigned LEB128 varint, v.
local function raw_envelope(v)
  local len, header = #v, ''
  repeat
    local d = len % 128
    len = math.floor(len / 128)
    header = header .. string.char(len > 0 and d + 128 or d)
  until len == 0
  return '\252\16' .. header .. v
end

-- Over maxmemory Redis refuses a command flagged denyoom before it changes anything, but refuses a
-- script only at its first write, and only if that write is itself denyoom: the ops for such commands
-- therefore begin with SETRANGE k 0 '' (denyoom, and a no-op on a string or missing key) and answer its
-- -OOM exactly as Redis words it. k is a key of the command's slot that holds a string or nothing.
local DENYOOM = ' SET SETNX SETEX PSETEX GETSET INCR DECR INCRBY DECRBY INCRBYFLOAT APPEND SETRANGE SETBIT '
  .. 'BITFIELD MSET MSETNX COPY '
local function refused_for_memory(k, command)
  if command and not string.find(DENYOOM, ' ' .. string.upper(command) .. ' ', 1, true) then
    return nil
  end
  local r = redis.pcall('SETRANGE', k, 0, '')
  if type(r) == 'table' and r.err and string.sub(r.err, 1, 4) == 'OOM ' then
    return r
  end
  return nil
end

if op == 'z' then
  local kind, n = ARGV[4], tonumber(ARGV[5])
  local at = 6 + 2 * n
  local args = {}
  for i = at + n, #ARGV do
    args[#args + 1] = ARGV[i]
  end
  local oom = kind ~= 'r' and refused_for_memory(KEYS[1], args[1])
  if oom then
    return oom
  end
  local scratched = false
  for i = 1, n do
    local v = redis.pcall('GET', KEYS[i])
    if type(v) == 'string' and #v >= 2 and string.byte(v, 1) == 252 then
      if ARGV[4 + 2 * i] ~= v then
        return { '\252__rc:z', tostring(i), v }
      end
      if kind == 'r' then
        if not scratched then
          -- a write that is not denyoom first: over maxmemory the scratch copy (written, read, deleted)
          -- is then not refused, as Redis never refuses the read itself
          redis.call('DEL', KEYS[n + i])
        end
        redis.call('SET', KEYS[n + i], ARGV[5 + 2 * i])
        args[tonumber(ARGV[at + i - 1]) + 1] = KEYS[n + i]
        scratched = true
      else
        redis.call('SET', KEYS[i], ARGV[5 + 2 * i], 'KEEPTTL')
      end
    end
  end
  local r = redis.pcall(unpack(args))
  if kind == 'r' then
    if scratched then
      for i = 1, n do
        redis.call('DEL', KEYS[n + i])
      end
    end
    return r
  end
  local nv = redis.pcall('GET', KEYS[1])
  if type(nv) == 'string' and string.byte(nv, 1) == 252 then
    redis.call('SET', KEYS[1], raw_envelope(nv), 'KEEPTTL')
  end
  if kind == 'i' and type(r) == 'number' then
    return nv -- the exact 64-bit result (Lua numbers are doubles), turned into an integer by the proxy
  end
  return r
end

local now_ms
local function now()
  if not now_ms then
    local t = redis.call('TIME')
    now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return now_ms
end

local BAD = 'ERR redis-compactor: unreadable bucket field (unknown envelope)'

-- Expiries in the short forms count milliseconds from 2025-01-01T00:00:00Z in 5 bytes (until 2059).
local EPOCH = 1735689600000
local SHORT = 1099511627776 -- 2^40
local EXACT = 9007199254740992 -- 2^53: the largest expiry a Lua number carries exactly
local LONG = 281474976710656 -- 2^48: expiries from here on fit no envelope; such values live in the overflow key

local function be(x, n) -- n big-endian bytes of a non-negative integer
  local bytes = {}
  for i = n, 1, -1 do
    bytes[i] = x % 256
    x = math.floor(x / 256)
  end
  return string.char(unpack(bytes))
end

local function unbe(s, from, to)
  local x = 0
  for i = from, to do
    x = x * 256 + string.byte(s, i)
  end
  return x
end

-- value, expiry (0 = none) of a stored field; nil when the envelope is not understood
local function unwrap(s)
  local m = string.byte(s, 1)
  if m == nil or m < 253 then
    return s, 0
  elseif m == 254 and #s >= 6 then -- 0xFE: short expiry, then the value
    return string.sub(s, 7), EPOCH + unbe(s, 2, 6)
  elseif m == 253 and #s >= 7 then -- 0xFD: short expiry, then an integer (zigzag, big-endian)
    local z = unbe(s, 7, #s)
    local n = z % 2 == 0 and z / 2 or -(z + 1) / 2
    return string.format('%.0f', n), EPOCH + unbe(s, 2, 6)
  elseif m == 255 then
    local flags = string.byte(s, 2)
    if flags == 0 then -- an escaped value starting with 0xFD..0xFF
      return string.sub(s, 3), 0
    elseif flags == 1 and #s >= 8 then -- long expiry: 6 bytes of Unix milliseconds
      return string.sub(s, 9), unbe(s, 3, 8)
    end
  end
  return nil, 0
end

local function wrap(v, at)
  if at > 0 then
    local rel = at - EPOCH
    if rel < 0 or rel >= SHORT then
      return '\255\1' .. be(at, 6) .. v
    end
    -- a canonical decimal below 2^53 (what a listpack would store as an integer) packs into binary
    if #v <= 15 and (v == '0' or string.find(v, '^%-?[1-9]%d*$')) then
      local n = tonumber(v)
      local z = n >= 0 and n * 2 or -n * 2 - 1
      local k = 1
      while z >= 256 ^ k do k = k + 1 end
      return '\253' .. be(rel, 5) .. be(z, k)
    end
    return '\254' .. be(rel, 5) .. v
  elseif (string.byte(v, 1) or 0) >= 253 then
    return '\255\0' .. v
  end
  return v
end

-- Next fastest: GET of a field with an expiry; anything else falls through to the general code below.
if op == 'get' and hit then
  local v, at = unwrap(hit)
  if v and (at == 0 or at > now()) then
    return v
  end
end

local function pexpiretime(k)
  local t = redis.call('PEXPIRETIME', k)
  if t < 0 then return 0 end
  return t
end

-- The logical value of a placement: value, expiry, where ('f', 'o', 'l'); nil when missing.
-- Returns an error table (WRONGTYPE of a legacy key, unreadable field) as the first result.
local function load(b, o, l, f, want_ttl)
  local s = redis.call('HGET', b, f)
  if s then
    local v, at = unwrap(s)
    if not v then
      return { err = BAD }
    end
    if at > 0 and at <= now() then
      redis.call('HDEL', b, f)
      return nil
    end
    return v, at, 'f'
  end
  s = redis.call('GET', o)
  if s then
    return s, want_ttl and pexpiretime(o) or 0, 'o'
  end
  if LEGACY then
    local r = redis.pcall('GET', l)
    if type(r) == 'table' then
      return r
    end
    if r then
      return r, want_ttl and pexpiretime(l) or 0, 'l'
    end
  end
  return nil
end

-- Stores a logical value; removes it from wherever else it was.
local function store(b, o, l, f, v, at)
  local s = at < LONG and wrap(v, at) or nil -- an expiry no envelope holds: overflow key
  if s and #s <= MAXV then
    local new = redis.call('HSET', b, f, s) == 1
    if new and at > 0 and redis.call('HLEN', b) == 1 then
      redis.call('PEXPIREAT', b, at) -- a new bucket
    elseif at == 0 then
      redis.call('PERSIST', b)
    else
      local cur = redis.call('PEXPIRETIME', b)
      if cur > 0 and cur < at then
        redis.call('PEXPIREAT', b, at) -- the bucket outlives every field
      end
    end
    if not new then
      return -- the field held the value, so it was nowhere else
    end
    redis.call('DEL', o)
  else
    redis.call('HDEL', b, f)
    if at > 0 then
      redis.call('SET', o, v, 'PXAT', string.format('%.0f', at)) -- never '1e+17'; exact below 2^53
    else
      redis.call('SET', o, v)
    end
  end
  if LEGACY then
    redis.call('DEL', l)
  end
end

-- Deletes a logical key; 1 when it existed (and had not expired).
local function remove(b, o, l, f)
  local n = 0
  local s = redis.call('HGET', b, f)
  if s then
    redis.call('HDEL', b, f)
    local v, at = unwrap(s)
    if not (at > 0 and at <= now()) then
      n = 1
    end
  end
  if redis.call('DEL', o) == 1 then
    n = 1
  end
  if LEGACY and redis.call('DEL', l) == 1 then
    n = 1
  end
  return n
end

local function exists(b, o, l, f)
  local s = redis.call('HGET', b, f)
  if s then
    local v, at = unwrap(s)
    return (at == 0 or at > now()) and 1 or 0
  end
  if redis.call('EXISTS', o) == 1 then
    return 1
  end
  if LEGACY then
    return redis.call('EXISTS', l)
  end
  return 0
end

-- ------------------------------------------------------------------ a run of GETs and SETs

-- Consecutive plain GETs and SETs of one client's pipeline in one call (the proxy splits the array
-- back into their replies): ARGV[4] n, then per command 'g' field or 's' field value; KEYS three per
-- command (bucket, overflow, logical key). Each runs as its own call would, in order; an error (OOM on
-- a SET) answers that command only.
if op == 'batch' then
  local out, a = {}, 5
  for i = 1, tonumber(ARGV[4]) do
    local k = 3 * i - 2
    local ok, r
    if ARGV[a] == 'g' then
      ok, r = pcall(load, KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a + 1], false)
      a = a + 2
      if ok then
        r = r or false
      end
    else
      ok, r = pcall(store, KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a + 1], ARGV[a + 2], 0)
      a = a + 3
      if ok then
        r = { ok = 'OK' }
      end
    end
    if not ok then
      r = type(r) == 'table' and r or { err = tostring(r) }
    end
    out[i] = r
  end
  return out
end

-- ------------------------------------------------------------------ single key

if op == 'get' then
  local v = load(KEYS[1], KEYS[2], KEYS[3], ARGV[4], false)
  return v or false

elseif op == 'set' then
  local oom = refused_for_memory(KEYS[2])
  if oom then
    return oom
  end
  store(KEYS[1], KEYS[2], KEYS[3], ARGV[4], ARGV[5], 0)
  return { ok = 'OK' }

elseif op == 'setpx' then
  -- SET k v EX|PX n with a small positive n (the proxy checked it): ARGV[6] is n in milliseconds
  local oom = refused_for_memory(KEYS[2])
  if oom then
    return oom
  end
  store(KEYS[1], KEYS[2], KEYS[3], ARGV[4], ARGV[5], now() + tonumber(ARGV[6]))
  return { ok = 'OK' }

elseif op == 'x' or op == 'xi' or op == 'xc' then
  -- Any other string command: run it on a scratch key (KEYS[4]) holding the logical value and expiry,
  -- so Redis itself parses the options and computes the reply; then keep what it left there.
  -- 'xc', a command on the value's bytes for a rule whose values may be compressed envelopes, has two more
  -- arguments before the command: ARGV[6] the envelope the proxy decoded ('' when none) and ARGV[7] its
  -- decoded value. A value stored as an envelope the proxy has not decoded is answered with
  -- {0xFC '__rc:z', '1', envelope}: the proxy decodes it and calls again. The command then runs on the
  -- decoded value; a read leaves the stored envelope as it is, a write stores its result uncompressed.
  local b, o, l, f, scratch = KEYS[1], KEYS[2], KEYS[3], ARGV[4], KEYS[4]
  local oom = refused_for_memory(scratch, ARGV[op == 'xc' and 8 or 6])
  if oom then
    return oom
  end
  local v, at, where = load(b, o, l, f, true)
  if type(v) == 'table' then
    return v
  end
  local inflated = false
  if op == 'xc' and v and #v >= 2 and string.byte(v, 1) == 252 then
    if ARGV[6] ~= v then
      return { '\252__rc:z', '1', v }
    end
    v, inflated = ARGV[7], true
  end
  redis.call('DEL', scratch)
  if where == 'o' or where == 'l' then
    -- COPY keeps the expiry exactly, however far; a Lua number can't (doubles; '%.17g' when passed on)
    redis.call('COPY', where == 'o' and o or l, scratch)
    if inflated then
      redis.call('SET', scratch, v, 'KEEPTTL')
    end
  elseif v then
    if at > 0 then
      redis.call('SET', scratch, v, 'PXAT', at)
    else
      redis.call('SET', scratch, v)
    end
  end
  local pos = tonumber(ARGV[5])
  local args = {}
  for i = op == 'xc' and 8 or 6, #ARGV do
    args[#args + 1] = ARGV[i]
  end
  args[pos + 1] = scratch
  local r = redis.pcall(unpack(args))
  local nv = redis.call('GET', scratch)
  if inflated and nv == v then
    -- a read (or a write that changed nothing) on a decoded value: the stored envelope stays
    redis.call('DEL', scratch)
    return r
  end
  if op == 'xc' and nv and #nv >= 2 and string.byte(nv, 1) == 252 then
    -- a value that now starts like an envelope is stored escaped (a raw envelope), as the proxy would
    nv = raw_envelope(nv)
    redis.call('SET', scratch, nv, 'KEEPTTL')
  end
  if nv then
    local nat = pexpiretime(scratch)
    if nat >= EXACT then
      -- Lua numbers are doubles: TTL, PTTL and PEXPIRETIME could not be answered exactly later
      redis.call('DEL', scratch)
      return { err = 'ERR redis-compactor: an expiry after 2^53 ms (year 287396) cannot be kept exactly on a '
        .. 'bucketed key; nothing was changed' }
    end
    if nat >= LONG or #wrap(nv, nat) > MAXV then
      -- an overflow value: the scratch key itself becomes the overflow key, expiry and all
      redis.call('HDEL', b, f)
      redis.call('RENAME', scratch, o)
      if LEGACY then
        redis.call('DEL', l)
      end
    else
      redis.call('DEL', scratch)
      if nv ~= v or nat ~= at or where ~= 'f' then
        store(b, o, l, f, nv, nat) -- also moves a plain key written before the rule into its bucket
      end
    end
  elseif v then
    remove(b, o, l, f)
  end
  if op == 'xi' and type(r) == 'number' then
    return nv -- INCR and friends: the exact 64-bit result, which the proxy turns into an integer reply
  end
  return r

elseif op == 'type' then
  local s = redis.call('HGET', KEYS[1], ARGV[4])
  if s then
    local v, at = unwrap(s)
    if at == 0 or at > now() then
      return { ok = 'string' }
    end
  elseif redis.call('EXISTS', KEYS[2]) == 1 then
    return { ok = 'string' }
  elseif LEGACY then
    return redis.call('TYPE', KEYS[3])
  end
  return { ok = 'none' }
end

-- ------------------------------------------------------------------ two keys: RENAME, RENAMENX, COPY
-- ARGV[4] mode (rename, renamenx, copy, copyreplace), ARGV[5] layout of source and destination ('b' or
-- 'p' each), then the fields of the bucketed ones; KEYS as for several keys (below).

if op == 'move' then
  local mode, lay = ARGV[4], ARGV[5]
  local p = {}
  local k, a = 1, 6
  for i = 1, 2 do
    if string.sub(lay, i, i) == 'b' then
      p[i] = { b = KEYS[k], o = KEYS[k + 1], l = KEYS[k + 2], f = ARGV[a] }
      k, a = k + 3, a + 1
    else
      p[i] = { key = KEYS[k] }
      k = k + 1
    end
  end
  if mode == 'copy' or mode == 'copyreplace' then
    local oom = refused_for_memory(p[2].o or p[2].key)
    if oom then
      return oom
    end
  end
  local function get(x)
    if x.key then
      local t = redis.call('TYPE', x.key).ok
      if t == 'none' then return nil end
      if t ~= 'string' then
        return { err = 'ERR redis-compactor: key holds a ' .. t .. ', which a bucket rule cannot store' }
      end
      return redis.call('GET', x.key), pexpiretime(x.key)
    end
    return load(x.b, x.o, x.l, x.f, true)
  end
  local function has(x)
    if x.key then return redis.call('EXISTS', x.key) end
    return exists(x.b, x.o, x.l, x.f)
  end
  local same = p[1].key and p[2].key == p[1].key or (p[1].b == p[2].b and p[1].f == p[2].f)
  if same and (mode == 'copy' or mode == 'copyreplace') then
    return { err = 'ERR source and destination objects are the same' } -- before looking at the key
  end
  local v, at = get(p[1])
  if type(v) == 'table' then
    return v
  end
  if not v then
    if mode == 'copy' or mode == 'copyreplace' then return 0 end
    return { err = 'ERR no such key' }
  end
  if same then
    if mode == 'rename' then return { ok = 'OK' } end
    return 0
  end
  if (mode == 'renamenx' or mode == 'copy') and has(p[2]) == 1 then
    return 0
  end
  if p[2].key then
    redis.call('DEL', p[2].key)
    if at > 0 then
      redis.call('SET', p[2].key, v, 'PXAT', string.format('%.0f', at))
    else
      redis.call('SET', p[2].key, v)
    end
  else
    store(p[2].b, p[2].o, p[2].l, p[2].f, v, at)
  end
  if mode == 'rename' or mode == 'renamenx' then
    if p[1].key then
      redis.call('DEL', p[1].key)
    else
      remove(p[1].b, p[1].o, p[1].l, p[1].f)
    end
  end
  if mode == 'rename' then return { ok = 'OK' } end
  return 1
end

-- ------------------------------------------------------------------ the keyspace seen as logical keys
-- ARGV[4] onwards: the operation's arguments, then the rules: a count and (name, prefix, suffix,
-- fields per bucket) for each, which turn a bucket's fields back into logical keys.

local function rules_at(i)
  local rules = {}
  local n = tonumber(ARGV[i])
  for r = 0, n - 1 do
    local j = i + 1 + r * 4
    rules[ARGV[j]] = { prefix = ARGV[j + 1], suffix = ARGV[j + 2], n = tonumber(ARGV[j + 3]) }
  end
  return rules
end

-- Redis's stringmatchlen: * ? [...] [^...] ranges and \ escapes; skip.longer stops hopeless retries
local function glob(p, pi, s, si, depth, skip)
  if depth > 1000 then return false end
  local plen, slen = #p, #s
  while pi <= plen and si <= slen do
    local c = string.sub(p, pi, pi)
    if c == '*' then
      while string.sub(p, pi + 1, pi + 1) == '*' do pi = pi + 1 end
      if pi == plen then return true end
      for k = si, slen do
        if glob(p, pi + 1, s, k, depth + 1, skip) then return true end
        if skip.longer then return false end
      end
      skip.longer = true
      return false
    elseif c == '?' then
      si = si + 1
    elseif c == '[' then
      pi = pi + 1
      local neg = string.sub(p, pi, pi) == '^'
      if neg then pi = pi + 1 end
      local hit = false
      local sc = string.byte(s, si)
      while true do
        local pc = string.sub(p, pi, pi)
        if pc == '\\' and pi + 1 <= plen then
          pi = pi + 1
          if string.byte(p, pi) == sc then hit = true end
        elseif pc == ']' then
          break
        elseif pi > plen then
          pi = pi - 1
          break
        elseif pi + 2 <= plen and string.sub(p, pi + 1, pi + 1) == '-' then
          local lo, hi = string.byte(p, pi), string.byte(p, pi + 2)
          if lo > hi then lo, hi = hi, lo end
          pi = pi + 2
          if sc >= lo and sc <= hi then hit = true end
        elseif string.byte(p, pi) == sc then
          hit = true
        end
        pi = pi + 1
      end
      if neg then hit = not hit end
      if not hit then return false end
      si = si + 1
    elseif c == '\\' then
      if pi + 1 <= plen then pi = pi + 1 end
      if string.byte(p, pi) ~= string.byte(s, si) then return false end
      si = si + 1
    else
      if string.byte(p, pi) ~= string.byte(s, si) then return false end
      si = si + 1
    end
    pi = pi + 1
    if si > slen then
      while string.sub(p, pi, pi) == '*' do pi = pi + 1 end
      break
    end
  end
  return pi > plen and si > slen
end

local function matches(pattern, key)
  return pattern == nil or pattern == '*' or glob(pattern, 1, key, 1, 0, {})
end

-- {name:kNUM} or {tag}name:kNUM, then what follows (':field' for an overflow key)
local function parse(t)
  if string.sub(t, 1, 1) ~= '{' then return nil end
  local close = string.find(t, '}', 2, true)
  if not close then return nil end
  local after = string.sub(t, close + 1)
  local id, rest
  if after == '' or string.sub(after, 1, 1) == ':' then
    id, rest = string.sub(t, 2, close - 1), after
  else
    local c1 = string.find(after, ':', 1, true)
    local c2 = c1 and string.find(after, ':', c1 + 1, true)
    if c2 then
      id, rest = string.sub(after, 1, c2 - 1), string.sub(after, c2)
    else
      id, rest = after, ''
    end
  end
  local c = string.find(id, ':', 1, true)
  if not c then return nil end
  return string.sub(id, 1, c - 1), string.sub(id, c + 1, c + 1), string.sub(id, c + 2), rest
end

-- kind n: a numeric id split into bucket and field; h: the variable part itself; x: lowercase hex
-- stored as its bytes (at most 32); u: a lowercase UUID stored as its 16 bytes. Any other kind is not
-- this script's to read (a newer layout): no logical key.
local function logical(rules, name, kind, num, field)
  local r = rules[name]
  if not r then return nil end
  local var
  if kind == 'h' then
    var = field
  elseif kind == 'n' then
    var = string.format('%.0f', tonumber(num) * r.n + tonumber(field))
  elseif kind == 'x' then
    if #field < 1 or #field > 32 then return nil end
    var = string.format(string.rep('%02x', #field), string.byte(field, 1, -1))
  elseif kind == 'u' then
    if #field ~= 16 then return nil end
    local h = string.format(string.rep('%02x', 16), string.byte(field, 1, -1))
    var = string.sub(h, 1, 8) .. '-' .. string.sub(h, 9, 12) .. '-' .. string.sub(h, 13, 16) .. '-'
      .. string.sub(h, 17, 20) .. '-' .. string.sub(h, 21, 32)
  else
    return nil
  end
  return r.prefix .. var .. r.suffix
end

-- Appends the logical keys behind physical key k to out (k itself when it is not the proxy's).
local function expand(rules, k, pattern, typ, out)
  if string.sub(k, 1, 5) ~= '__rc:' then
    if matches(pattern, k) and (typ == nil or redis.call('TYPE', k).ok == typ) then
      out[#out + 1] = k
    end
    return
  end
  local space = string.sub(k, 6, 7)
  if typ ~= nil and typ ~= 'string' then return end
  if space == 'b:' then
    local name, kind, num = parse(string.sub(k, 8))
    if not name then return end
    local all = redis.call('HGETALL', k)
    for i = 1, #all, 2 do
      local v, at = unwrap(all[i + 1])
      if at == 0 or at > now() then
        local lk = logical(rules, name, kind, num, all[i])
        if lk and matches(pattern, lk) then out[#out + 1] = lk end
      end
    end
  elseif space == 'o:' then
    local name, kind, num, rest = parse(string.sub(k, 8))
    if name and string.sub(rest, 1, 1) == ':' then
      local lk = logical(rules, name, kind, num, string.sub(rest, 2))
      if lk and matches(pattern, lk) then out[#out + 1] = lk end
    end
  end
end

if op == 'scan' then
  -- ARGV[4] cursor, [5] COUNT or '', [6] MATCH pattern or '', [7] TYPE or '', [8..] rules
  local rules = rules_at(8)
  local raw
  if ARGV[5] ~= '' then
    raw = redis.pcall('SCAN', ARGV[4], 'COUNT', ARGV[5])
  else
    raw = redis.pcall('SCAN', ARGV[4])
  end
  if raw.err then return raw end
  local pattern = ARGV[6] ~= '' and ARGV[6] or nil
  local typ = ARGV[7] ~= '' and string.lower(ARGV[7]) or nil
  local out = {}
  for _, k in ipairs(raw[2]) do
    expand(rules, k, pattern, typ, out)
  end
  return { raw[1], out }

elseif op == 'keys' then
  local rules = rules_at(5)
  local out = {}
  for _, k in ipairs(redis.call('KEYS', '*')) do
    expand(rules, k, ARGV[4], nil, out)
  end
  return out

elseif op == 'dbsize' then
  -- every key, minus each bucket, plus its fields; O(keys), like KEYS (there is no index to keep small)
  local n = redis.call('DBSIZE')
  for _, b in ipairs(redis.call('KEYS', '__rc:b:*')) do
    n = n - 1 + redis.call('HLEN', b)
  end
  return n - #redis.call('KEYS', '__rc:d:*') -- compression dictionaries

elseif op == 'reap' then
  -- active expiry: drop the expired fields of buckets KEYS[1..n]
  local dropped = 0
  for _, b in ipairs(KEYS) do
    local all = redis.call('HGETALL', b)
    for i = 1, #all, 2 do
      local v, at = unwrap(all[i + 1])
      if at > 0 and at <= now() then
        redis.call('HDEL', b, all[i])
        dropped = dropped + 1
      end
    end
  end
  return dropped

elseif op == 'survey' then
  -- what the proxy's saving estimate needs of physical keys KEYS[1..n] (read only): per key a table
  -- {kind, MEMORY USAGE, 1 when the key has an expiry, ...}; kind 'b' a bucket (then its encoding and,
  -- per live field, the logical key's length, the unwrapped value and 1 when it expires), 'o' an
  -- overflow key (logical key length, value length, its first 16 bytes), 'd' a dictionary, 'k' any
  -- other key (type, and for a string its length and first 16 bytes), 'x' a key that is gone.
  local rules = rules_at(4)
  local out = {}
  for i, k in ipairs(KEYS) do
    local mem = redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')
    if not mem then
      out[i] = { 'x' }
    else
      local ttl = redis.call('PTTL', k) >= 0 and 1 or 0
      local space = string.sub(k, 1, 7)
      if space == '__rc:b:' then
        local r = { 'b', mem, ttl, redis.call('OBJECT', 'ENCODING', k) }
        local name, kind, num = parse(string.sub(k, 8))
        local all = redis.call('HGETALL', k)
        for j = 1, #all, 2 do
          local v, at = unwrap(all[j + 1])
          local lk = name and logical(rules, name, kind, num, all[j])
          if v and lk and (at == 0 or at > now()) then
            r[#r + 1] = #lk
            r[#r + 1] = v
            r[#r + 1] = at > 0 and 1 or 0
          end
        end
        out[i] = r
      elseif space == '__rc:o:' then
        local name, kind, num, rest = parse(string.sub(k, 8))
        local lk = name and string.sub(rest, 1, 1) == ':' and logical(rules, name, kind, num, string.sub(rest, 2))
        out[i] = { 'o', mem, ttl, lk and #lk or 0, redis.call('STRLEN', k), redis.call('GETRANGE', k, 0, 15) }
      elseif space == '__rc:d:' then
        out[i] = { 'd', mem, ttl }
      else
        local t = redis.call('TYPE', k).ok
        if t == 'string' then
          out[i] = { 'k', mem, ttl, t, redis.call('STRLEN', k), redis.call('GETRANGE', k, 0, 15) }
        else
          out[i] = { 'k', mem, ttl, t }
        end
      end
    end
  end
  return out

elseif op == 'randomkey' then
  local rules = rules_at(4)
  for attempt = 1, 100 do
    local k = redis.call('RANDOMKEY')
    if not k then return false end
    local out = {}
    if string.sub(k, 1, 7) == '__rc:b:' then
      local f = redis.call('HRANDFIELD', k)
      if f then
        local name, kind, num = parse(string.sub(k, 8))
        local v, at = unwrap(redis.call('HGET', k, f))
        if name and (at == 0 or at > now()) then
          out[1] = logical(rules, name, kind, num, f)
        end
      end
    else
      expand(rules, k, nil, nil, out)
    end
    if out[1] then return out[1] end
  end
  return false
end

-- ------------------------------------------------------------------ several keys
-- ARGV[4] is a layout, one letter per logical key: 'b' (a bucket placement: three KEYS and a field in
-- ARGV) or 'p' (a plain key: one KEYS entry). Fields, then (mset/msetnx) values, follow in ARGV.

local layout = ARGV[4]
local ki, ai = 1, 5

-- calls fn(kind, keyIndex, argIndex) per logical key
local function each(fn)
  ki, ai = 1, 5
  for i = 1, #layout do
    local kind = string.sub(layout, i, i)
    fn(kind, ki, ai)
    if kind == 'b' then
      ki = ki + 3
      ai = ai + 1
    else
      ki = ki + 1
    end
  end
end

if op == 'mget' then
  local out = {}
  local err
  each(function(kind, k, a)
    if kind == 'b' then
      local v = load(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a], false)
      if type(v) == 'table' then
        v = false -- MGET answers nil for a key holding another type
      end
      out[#out + 1] = v or false
    else
      local r = redis.pcall('GET', KEYS[k])
      if type(r) == 'table' then
        r = false
      end
      out[#out + 1] = r
    end
  end)
  return out

elseif op == 'del' or op == 'exists' or op == 'touch' then
  local n = 0
  each(function(kind, k, a)
    if kind == 'b' then
      if op == 'del' then
        n = n + remove(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a])
      else
        n = n + exists(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a])
      end
    else
      n = n + redis.call(op == 'del' and 'DEL' or op == 'exists' and 'EXISTS' or 'TOUCH', KEYS[k])
    end
  end)
  return n

elseif op == 'mset' or op == 'msetnx' then
  local oom = refused_for_memory(string.sub(layout, 1, 1) == 'b' and KEYS[2] or KEYS[1])
  if oom then
    return oom
  end
  -- values follow the fields: the count of 'b' letters says where they start
  local nb = 0
  for i = 1, #layout do
    if string.sub(layout, i, i) == 'b' then nb = nb + 1 end
  end
  local vi = 5 + nb
  if op == 'msetnx' then
    local any = 0
    each(function(kind, k, a)
      if kind == 'b' then
        any = any + exists(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a])
      else
        any = any + redis.call('EXISTS', KEYS[k])
      end
    end)
    if any > 0 then
      return 0
    end
  end
  each(function(kind, k, a)
    if kind == 'b' then
      store(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a], ARGV[vi], 0)
    else
      redis.call('SET', KEYS[k], ARGV[vi])
    end
    vi = vi + 1
  end)
  if op == 'msetnx' then
    return 1
  end
  return { ok = 'OK' }
end

return { err = 'ERR redis-compactor: unknown script operation ' .. tostring(op) }
