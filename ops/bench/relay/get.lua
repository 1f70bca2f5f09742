-- wrk script: GET a random key path from $PATHS_FILE (one path per line, written by the load
-- driver), so wrk's GET numbers hit the relay's stored packets, not one hot key.
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do
  paths[#paths + 1] = line
end
local n = #paths
math.randomseed(42)
request = function()
  return wrk.format("GET", paths[math.random(n)])
end
