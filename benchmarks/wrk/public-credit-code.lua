-- wrk script for benchmarks/public-search.sh: GET /api/public/v1/results?creditCode=... for a random seeded entity.
-- Argument: the number of published results seeded (entity i has the credit code 9121 + i in 13 digits + X).
local count = 1000000

function init(args)
  if args[1] then count = tonumber(args[1]) end
  math.randomseed(os.time() * 1000 + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 1000)
end

function request()
  return wrk.format("GET", string.format("/api/public/v1/results?creditCode=9121%013dX", math.random(1, count)))
end
