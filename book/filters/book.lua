-- Lua filter for the book: styles captured output apart from code.
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
  if latex then block.text = for_print(block.text) end
  return block
end

function Code(code)
  if latex then code.text = for_print(code.text) end
  return code
end

function Str(str)
  if latex then str.text = for_print(str.text) end
  return str
end
