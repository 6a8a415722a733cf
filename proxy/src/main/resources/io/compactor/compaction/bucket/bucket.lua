-- redis-compactor: string commands on keys stored as fields of bucketed hashes (field format 1).
-- Loaded once per upstream connection (SCRIPT LOAD) and called with EVALSHA; every call is one logical
-- command, run atomically by Redis, and returns exactly the reply Redis gives for that command on a
-- plain string key.
--
-- ARGV[1] operation, ARGV[2] longest field value kept in a bucket (hash-max-listpack-value),
-- ARGV[3] '1' when keys written before the rule existed are also read, ARGV[4..] the operation's own.
-- A bucket placement is KEYS b (bucket), o (overflow key), l (the logical key itself) and a field.
--
-- Field values: anything whose first byte is not 0xFF is the value itself. 0xFF starts an envelope:
-- a flags byte, then (flag 1) the expiry as 6 bytes of Unix milliseconds, big-endian, then the value.
-- Flags 0 escapes a value that itself starts with 0xFF. Values too long for the listpack live in the
-- overflow key as plain strings with a native expiry. A logical key is in at most one of field,
-- overflow key and (before migration) the logical key.

local op = ARGV[1]
local MAXV = tonumber(ARGV[2])
local LEGACY = ARGV[3] == '1'
local IDX = '__rc:idx'

local now_ms
local function now()
  if not now_ms then
    local t = redis.call('TIME')
    now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return now_ms
end

local BAD = 'ERR redis-compactor: unreadable bucket field (unknown envelope flags)'

-- value, expiry (0 = none) of a stored field; nil when the envelope is not understood
local function unwrap(s)
  if string.byte(s, 1) ~= 255 then
    return s, 0
  end
  local flags = string.byte(s, 2)
  if flags == 0 then
    return string.sub(s, 3), 0
  elseif flags == 1 and #s >= 8 then
    local a, b, c, d, e, f = string.byte(s, 3, 8)
    return string.sub(s, 9), ((((a * 256 + b) * 256 + c) * 256 + d) * 256 + e) * 256 + f
  end
  return nil, 0
end

local function wrap(v, at)
  if at > 0 then
    local bytes = {}
    local x = at
    for i = 6, 1, -1 do
      bytes[i] = x % 256
      x = math.floor(x / 256)
    end
    return '\255\1' .. string.char(bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6]) .. v
  elseif string.byte(v, 1) == 255 then
    return '\255\0' .. v
  end
  return v
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
  local s = wrap(v, at)
  if #s <= MAXV then
    if redis.call('HSET', b, f, s) == 1 and redis.call('HLEN', b) == 1 then
      redis.call('SADD', IDX, b) -- a new bucket
      if at > 0 then
        redis.call('PEXPIREAT', b, at)
      end
    elseif at == 0 then
      redis.call('PERSIST', b)
    else
      local cur = redis.call('PEXPIRETIME', b)
      if cur > 0 and cur < at then
        redis.call('PEXPIREAT', b, at) -- the bucket outlives every field
      end
    end
    redis.call('DEL', o)
  else
    redis.call('HDEL', b, f)
    if at > 0 then
      redis.call('SET', o, v, 'PXAT', at)
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

-- ------------------------------------------------------------------ single key

if op == 'get' then
  local v = load(KEYS[1], KEYS[2], KEYS[3], ARGV[4], false)
  return v or false

elseif op == 'set' then
  store(KEYS[1], KEYS[2], KEYS[3], ARGV[4], ARGV[5], 0)
  return { ok = 'OK' }

elseif op == 'x' then
  -- Any other string command: run it on a scratch key (KEYS[4]) holding the logical value and expiry,
  -- so Redis itself parses the options and computes the reply; then keep what it left there.
  local b, o, l, f, scratch = KEYS[1], KEYS[2], KEYS[3], ARGV[4], KEYS[4]
  local v, at, where = load(b, o, l, f, true)
  if type(v) == 'table' then
    return v
  end
  redis.call('DEL', scratch)
  if v then
    if at > 0 then
      redis.call('SET', scratch, v, 'PXAT', at)
    else
      redis.call('SET', scratch, v)
    end
  end
  local pos = tonumber(ARGV[5])
  local args = {}
  for i = 6, #ARGV do
    args[#args + 1] = ARGV[i]
  end
  args[pos + 1] = scratch
  local r = redis.pcall(unpack(args))
  local nv = redis.call('GET', scratch)
  if nv then
    local nat = pexpiretime(scratch)
    redis.call('DEL', scratch)
    if nv ~= v or nat ~= at then
      store(b, o, l, f, nv, nat)
    end
  elseif v then
    remove(b, o, l, f)
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
