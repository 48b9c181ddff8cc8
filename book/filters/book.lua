-- Lua filter for the book: styles captured output apart from code.
-- The timing mark U+23F1 is in no font TeX Live ships; print uses U+25F7 instead.

local function for_print(text)
  return (text:gsub("\u{23F1}", "\u{25F7}"))
end

function CodeBlock(block)
  if block.classes:includes("output") then
    if FORMAT:match("latex") then
      return pandoc.RawBlock("latex",
        "\\begin{OutputBlock}\n" .. for_print(block.text) .. "\n\\end{OutputBlock}")
    end
    return block
  end
  if FORMAT:match("latex") then
    block.text = for_print(block.text)
  end
  return block
end
