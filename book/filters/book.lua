-- Lua filter for the book: styles captured output apart from code, and keeps long
-- code within the printed page.
-- The timing mark U+23F1 is in no font TeX Live ships; print uses U+25F7 instead.

local latex = FORMAT:match("latex") ~= nil

local function for_print(text)
  return (text:gsub("\u{23F1}", "\u{25F7}"))
end

function CodeBlock(block)
  if block.classes:includes("output") then
    if latex then
      return pandoc.RawBlock("latex",
        "\\begin{OutputBlock}\n" .. for_print(block.text) .. "\n\\end{OutputBlock}")
    end
    return block
  end
  if latex and #block.classes == 0 then
    -- A plain block (a recorded full run's text): wrapped like output, not verbatim's
    -- one line per line, which runs off the page.
    return pandoc.RawBlock("latex",
      "\\begin{RecordBlock}\n" .. for_print(block.text) .. "\n\\end{RecordBlock}")
  end
  if latex then block.text = for_print(block.text) end
  return block
end

-- Inline code in print may break after a path's slashes and dots, an identifier's
-- underscores and hyphens, and at spaces: a long file name or command otherwise runs
-- into the margin, since TeX never breaks inside \texttt.
local breakable = "[/%._%- ]"

function Code(code)
  if not latex then return code end
  local text = for_print(code.text)
  if #text < 12 or not text:find(breakable) then
    code.text = text
    return code
  end
  -- A space becomes a real one (it may stretch, as a space between words does); after
  -- the other characters a break is allowed.
  local pieces = pandoc.List()
  local start = 1
  for stop in text:gmatch("()" .. breakable) do
    local space = text:sub(stop, stop) == " "
    local piece = text:sub(start, space and stop - 1 or stop)
    if #piece > 0 then pieces:insert(pandoc.Code(piece, code.attr)) end
    pieces:insert(space and pandoc.Space() or pandoc.RawInline("latex", "\\allowbreak{}"))
    start = stop + 1
  end
  if start <= #text then pieces:insert(pandoc.Code(text:sub(start), code.attr)) end
  return pieces
end

function Str(str)
  if latex then str.text = for_print(str.text) end
  return str
end

-- Long names (segmentationToImage, a tensor's dotted path, a file name) may break
-- after a dot, slash, hyphen or underscore followed by a letter or digit, and, in a
-- table's narrow columns, before a capital letter that follows a small one.
local function breakable_word(str, camel_case)
  local text = str.text
  if #text < 12 then return str end
  local pieces = pandoc.List()
  local start = 1
  for i = 2, #text do
    local before, here = text:sub(i - 1, i - 1), text:sub(i, i)
    if (before:match("[%.%-_/]") and here:match("[%w]"))
      or (camel_case and before:match("%l") and here:match("%u")) then
      pieces:insert(pandoc.Str(text:sub(start, i - 1)))
      pieces:insert(pandoc.RawInline("latex", "\\allowbreak{}"))
      start = i
    end
  end
  if start == 1 then return str end
  pieces:insert(pandoc.Str(text:sub(start)))
  return pieces
end

-- TeX never hyphenates a paragraph's first word; a cell's first word is one, so a
-- zero-width space goes first, and a header word wider than its column can break.
local function hyphenatable(plain)
  plain.content:insert(1, pandoc.RawInline("latex", "\\hspace{0pt}"))
  return plain
end

function Table(tbl)
  if not latex then return tbl end
  return pandoc.walk_block(tbl, {
    Str = function(str) return breakable_word(str, true) end, Plain = hyphenatable })
end

-- In running text, a file's path or a dotted name (Checkpoints/ch09-stage3.safetensors)
-- may break after its slashes and dots.
function Para(para)
  if not latex then return para end
  return pandoc.walk_block(para, {
    Str = function(str)
      if str.text:find("[/%.]%w") and #str.text >= 16 then
        return breakable_word(str, false)
      end
      return str
    end })
end
