-- wrk script for benchmarks/public-search.sh: GET /api/public/v1/results?name=... with part of a seeded name — half a
-- two-character brand, half the district's last character and a brand (区永航), as PublishedSeed builds them.
-- Argument: the number of published results seeded.
local count = 1000000
local characters = {}
local brands = "永航兴盛华丰源泰和顺达通信诚宏鑫利嘉安康乐福瑞祥隆昌宝金银玉明光新海天星辰东南西北春秋云山川林森禾田美佳"
for i = 1, #brands, 3 do characters[#characters + 1] = brands:sub(i, i + 2) end -- three UTF-8 bytes per character

local function escape(text)
  return (text:gsub("[^%w]", function(c) return string.format("%%%02X", c:byte()) end))
end

function init(args)
  if args[1] then count = tonumber(args[1]) end
  math.randomseed(os.time() * 1000 + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 1000)
end

function request()
  local i = math.random(1, count)
  local h = (i * 2654435761) % 4294967296 -- the seed's brand hash, exact in doubles for i below 3 million
  local n = #characters
  local brand = characters[h % n + 1] .. characters[math.floor(h / n) % n + 1]
  if math.random(0, 1) == 1 then brand = "区" .. brand end
  return wrk.format("GET", "/api/public/v1/results?name=" .. escape(brand))
end
