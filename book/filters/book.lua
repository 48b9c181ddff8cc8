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

-- A number and its per-cent sign stay on one line ("21 %" never ends a line at "21"):
-- the space between them becomes a non-breaking one, in every format.
function Inlines(inlines)
  for i = 2, #inlines - 1 do
    local before, after = inlines[i - 1], inlines[i + 1]
    if inlines[i].t == "Space" and before.t == "Str" and after.t == "Str"
      and before.text:match("%d$") and after.text:match("^%%") then
      inlines[i] = pandoc.Str("\u{00A0}")
    end
  end
  return inlines
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

-- The index: each term of book/index-terms.txt is marked where it first appears in a
-- chapter's running text (so the index points to the chapters that discuss it, not to
-- every mention). In print the mark is an \index entry, and imakeidx and makeindex
-- make the pages; on screen (HTML, EPUB) it is an anchor, and Pandoc, at the end, lists
-- each term with links to its chapters where book/index.md leaves the div #book-index.
local index_terms = nil
local indexed_in_chapter = {}
local current_chapter = { label = "", title = "" }
local index_entries = {}  -- term -> list of { id = anchor, chapter = label, title }
local anchors = 0

-- On screen, figures are numbered per chapter as print numbers them (Figure 3.1), and
-- the appendices are lettered: pandoc's HTML numbering would call them chapters 11
-- and 12, since only print sees the \appendix marker. After the marker, the filter
-- numbers the headers itself (A, A.1, A.1.1) and marks them unnumbered for pandoc.
local chapter_number, in_appendix = 0, false
local section_numbers = {}  -- the numbers of the open headers, level by level
local figures_in_chapter = 0
local chapter_unnumbered = true  -- the preface's figures are Figure 1, 2, … in print

function RawBlock(raw)
  if raw.format == "latex" and raw.text:match("\\appendix") then
    in_appendix, chapter_number = true, 0
  end
  return nil
end

local function is_unnumbered(header)
  return header.classes:includes("unnumbered")
end

local function label_of(level)
  local parts = {}
  for k = 1, level do
    local n = section_numbers[k] or 0
    parts[k] = (k == 1 and in_appendix) and string.char(64 + n) or tostring(n)
  end
  return table.concat(parts, ".")
end

function Header(header)
  if header.level == 1 then
    indexed_in_chapter = {}
    local title = pandoc.utils.stringify(header.content)
    current_chapter = { label = title, title = title }  -- numbered below if it is
    figures_in_chapter = 0
    chapter_unnumbered = is_unnumbered(header)
  end
  if latex or is_unnumbered(header) then return nil end
  if header.level == 1 then chapter_number = chapter_number + 1 end
  section_numbers[header.level] = header.level == 1 and chapter_number
    or (section_numbers[header.level] or 0) + 1
  for k = header.level + 1, 6 do section_numbers[k] = 0 end
  -- The screen index names a chapter by its number, as print gives a page.
  if header.level == 1 then current_chapter.label = label_of(1) end
  if not in_appendix then return nil end
  header.content:insert(1, pandoc.Space())
  header.content:insert(1, pandoc.Span(label_of(header.level),
    pandoc.Attr("", { "header-section-number" })))
  header.classes:insert("unnumbered")
  return header
end

-- A figure's caption starts with its number, on screen as in print.
local function numbered_figure(para)
  local image = para.content[1]
  if #para.content ~= 1 or image.t ~= "Image" or not image.title:match("^fig:") then
    return nil
  end
  figures_in_chapter = figures_in_chapter + 1
  local label = "Figure " .. (chapter_unnumbered and "" or label_of(1) .. ".")
    .. figures_in_chapter .. ":"
  image.caption:insert(1, pandoc.Space())
  image.caption:insert(1, pandoc.Str(label))
  return para
end

-- A word as the index compares it: without the punctuation around it, and in lower
-- case unless the term is matched exactly as written.
local function bare(text, exact)
  local word = text:gsub("^[%(%[\"'‘“]+", ""):gsub("[%)%]%.,;:!%?\"'’”]+$", "")
                   :gsub("’s$", ""):gsub("'s$", "")
  return exact and word or word:lower()
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
        -- A spelling with a capital after its first letter (ZeRO, RoPE, KV cache) is a
        -- name, matched as written: "zero" and "rope" are ordinary words.
        local exact = spelling:match("^.%S*%u") ~= nil
          or spelling:match("%s%S*%u") ~= nil
        local words = {}
        for word in spelling:gmatch("%S+") do
          words[#words + 1] = bare(word, exact)
        end
        index_terms[#index_terms + 1] = { term = term, words = words, exact = exact }
      end
    end
  end
  -- Longer spellings first, so "layer normalisation" wins over a shorter match.
  table.sort(index_terms, function(a, b) return #a.words > #b.words end)
  return index_terms
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
          local here = inlines[j]
          if not (here and here.t == "Str" and bare(here.text, entry.exact) == word) then
            ok = false
            break
          end
        end
        if ok then matched = { last = j, term = entry.term } break end
      end
    end
    local here = inlines[i]
    if not matched and (here.t == "Emph" or here.t == "Strong" or here.t == "Span") then
      -- A term is often defined in italics: look inside.
      here.content = indexed(here.content)
    end
    if matched then
      for k = i, matched.last do result:insert(inlines[k]) end
      if not indexed_in_chapter[matched.term] then
        indexed_in_chapter[matched.term] = true
        if latex then
          result:insert(pandoc.RawInline("latex", index_command(matched.term)))
        else
          anchors = anchors + 1
          local id = "index-" .. anchors
          -- The anchor goes just before the term's first word.
          result:insert(#result - (matched.last - i), pandoc.Span({}, pandoc.Attr(id)))
          local entries = index_entries[matched.term] or {}
          entries[#entries + 1] = { id = id, chapter = current_chapter.label,
                                    title = current_chapter.title }
          index_entries[matched.term] = entries
        end
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
  if not latex then
    if numbered_figure(para) then return para end
    para.content = indexed(para.content)
    return para
  end
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
  plain.content = indexed(plain.content)
  return plain
end

-- On screen, the index of terms: each term with links to the chapters that discuss
-- it, in the place of the div #book-index (print has \printindex there instead).
function Pandoc(doc)
  if latex then return doc end
  local terms = {}
  for term in pairs(index_entries) do terms[#terms + 1] = term end
  local function key(term) return term:lower():gsub("é", "e") end
  table.sort(terms, function(a, b) return key(a) < key(b) end)
  local items = pandoc.List()
  for _, term in ipairs(terms) do
    local line = pandoc.List({ pandoc.Str(term), pandoc.Str(":"), pandoc.Space() })
    for k, entry in ipairs(index_entries[term]) do
      if k > 1 then line:extend({ pandoc.Str(","), pandoc.Space() }) end
      line:insert(pandoc.Link(entry.chapter, "#" .. entry.id, entry.title))
    end
    items:insert({ pandoc.Plain(line) })
  end
  local blocks = pandoc.List()
  for _, block in ipairs(doc.blocks) do
    if block.t == "Div" and block.identifier == "book-index" then
      if #items > 0 then
        blocks:insert(
          pandoc.Header(1, "Index", pandoc.Attr("book-index", { "unnumbered" })))
        blocks:insert(pandoc.BulletList(items))
      end
    else
      blocks:insert(block)
    end
  end
  doc.blocks = blocks
  return doc
end
