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
-- may break after its slashes and dots: see Para, at the end.

-- The index (print only): each term of book/index-terms.txt gets an \index entry where
-- it first appears in a chapter's running text (so the index points to the chapters
-- that discuss it, not to every mention); imakeidx and makeindex make the pages.
local index_terms = nil
local indexed_in_chapter = {}

function Header(header)
  if header.level == 1 then indexed_in_chapter = {} end
  return nil
end

local function load_index_terms()
  if index_terms then return index_terms end
  index_terms = {}
  local file = io.open("book/index-terms.txt")
  if not file then return index_terms end
  for line in file:lines() do
    if not line:match("^%s*#") and line:match("%S") then
      local term, others = line:match("^%s*(.-)%s*=%s*(.-)%s*$")
      term = term or line:match("^%s*(.-)%s*$")
      local spellings = { term }
      for other in (others or ""):gmatch("[^,]+") do
        spellings[#spellings + 1] = other:match("^%s*(.-)%s*$")
      end
      for _, spelling in ipairs(spellings) do
        local words = {}
        for word in spelling:gmatch("%S+") do words[#words + 1] = word:lower() end
        index_terms[#index_terms + 1] = { term = term, words = words }
      end
    end
  end
  -- Longer spellings first, so "layer normalisation" wins over a shorter match.
  table.sort(index_terms, function(a, b) return #a.words > #b.words end)
  return index_terms
end

-- A word as the index compares it: lower case, without the punctuation around it.
local function bare(text)
  return text:lower():gsub("^[%(%[\"'‘“]+", ""):gsub("[%)%]%.,;:!%?\"'’”]+$", "")
          :gsub("’s$", ""):gsub("'s$", "")
end

-- makeindex sorts bytes: the sort key of "Fréchet" is "Frechet".
local function index_command(term)
  local key = term:gsub("é", "e"):gsub("É", "E")
  if key == term then return "\\index{" .. term .. "}" end
  return "\\index{" .. key .. "@" .. term .. "}"
end

local function indexed(inlines)
  local terms = load_index_terms()
  local result = pandoc.List()
  local i = 1
  while i <= #inlines do
    local matched = nil
    if inlines[i].t == "Str" then
      for _, entry in ipairs(terms) do
        local j, ok = i, true
        for k, word in ipairs(entry.words) do
          if k > 1 then
            if not (inlines[j + 1] and inlines[j + 1].t == "Space") then ok = false break end
            j = j + 2
          end
          if not (inlines[j] and inlines[j].t == "Str" and bare(inlines[j].text) == word) then
            ok = false
            break
          end
        end
        if ok then matched = { last = j, term = entry.term } break end
      end
    end
    if matched then
      for k = i, matched.last do result:insert(inlines[k]) end
      if not indexed_in_chapter[matched.term] then
        indexed_in_chapter[matched.term] = true
        result:insert(pandoc.RawInline("latex", index_command(matched.term)))
      end
      i = matched.last + 1
    else
      result:insert(inlines[i])
      i = i + 1
    end
  end
  return result
end

function Para(para)
  if not latex then return para end
  para = pandoc.walk_block(para, {
    Str = function(str)
      if str.text:find("[/%.]%w") and #str.text >= 16 then
        return breakable_word(str, false)
      end
      return str
    end })
  para.content = indexed(para.content)
  return para
end

function Plain(plain)
  if not latex then return plain end
  plain.content = indexed(plain.content)
  return plain
end
