// tomatl_fifo: AXI4-Stream FIFO holding DEPTH beats.
//
// Both handshake outputs (s_axis_tready, m_axis_tvalid) and the output data
// come straight from registers, so the FIFO cuts every combinational path
// between its two sides. A push and a pop can happen in the same cycle: with
// DEPTH >= 2 it moves one beat per cycle indefinitely. With DEPTH == 1 it is
// a single register whose ready is registered too, so it alternates between
// accepting and emitting (half rate); use DEPTH >= 2 for full rate.
//
// Structure: an output register (the head of the queue) in front of a
// DEPTH-1 entry memory with a synchronous read port (block-RAM or LUT-RAM
// style; a single skid register when DEPTH == 2). A beat entering an empty
// queue goes straight to the output register; otherwise it is written to the
// memory and moves to the output register when the register frees up.
`default_nettype none

module tomatl_fifo #(
    parameter WIDTH = 8,  // bits per beat (>= 1)
    parameter DEPTH = 2   // beats held (>= 1, any integer)
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
);

    // Entries in the memory behind the output register.
    localparam MEM_DEPTH = DEPTH - 1;
    // Width of the memory pointers.
    localparam PTR_BITS = (MEM_DEPTH > 1) ? $clog2(MEM_DEPTH) : 1;
    // Width of the memory's occupancy counter (counts 0..MEM_DEPTH).
    localparam CNT_BITS = (MEM_DEPTH > 0) ? $clog2(MEM_DEPTH + 1) : 1;

    generate
        if (WIDTH < 1) begin : g_illegal_width
            tomatl_illegal_parameter_WIDTH u_illegal ();
        end
        if (DEPTH < 1) begin : g_illegal_depth
            tomatl_illegal_parameter_DEPTH u_illegal ();
        end
    endgenerate

    reg                 s_ready_reg;
    reg                 out_valid_reg;
    reg  [   WIDTH-1:0] out_data_reg;

    wire                push = s_axis_tvalid && s_ready_reg;
    wire                pop = out_valid_reg && m_axis_tready;

    assign s_axis_tready = s_ready_reg;
    assign m_axis_tvalid = out_valid_reg;
    assign m_axis_tdata  = out_data_reg;

    generate
        if (DEPTH == 1) begin : g_single
            // A single register: the output register is the whole queue; it
            // takes a beat only when empty (so never in a cycle it is popped).
            wire out_valid_next = push || (out_valid_reg && !pop);
            always @(posedge clk) begin
                if (rst) begin
                    out_valid_reg <= 1'b0;
                    s_ready_reg   <= 1'b0;
                end else begin
                    out_valid_reg <= out_valid_next;
                    s_ready_reg   <= !out_valid_next;
                end
            end
            always @(posedge clk) begin
                if (push) begin
                    out_data_reg <= s_axis_tdata;
                end
            end
        end else if (MEM_DEPTH == 1) begin : g_skid
            // One register behind the output register (a skid buffer): the
            // memory of one entry, without pointers.
            reg [WIDTH-1:0] skid_reg;
            reg             skid_full_reg;
            // The output register is free this cycle if empty or being popped.
            wire out_free = !out_valid_reg || pop;
            // A beat goes to the skid register when the output register
            // keeps its beat (a full skid register never takes a beat: the
            // queue is full and s_axis_tready low).
            wire skid_wr = push && (skid_full_reg || !out_free);
            // The skid register refills the output register.
            wire skid_rd = out_free && skid_full_reg;
            wire skid_full_next = skid_wr || (skid_full_reg && !skid_rd);

            always @(posedge clk) begin
                if (skid_wr) begin
                    skid_reg <= s_axis_tdata;
                end
                if (skid_rd) begin
                    out_data_reg <= skid_reg;
                end else if (push && out_free) begin
                    out_data_reg <= s_axis_tdata;
                end
                if (rst) begin
                    skid_full_reg <= 1'b0;
                    out_valid_reg <= 1'b0;
                    s_ready_reg   <= 1'b0;
                end else begin
                    skid_full_reg <= skid_full_next;
                    out_valid_reg <= !out_free || skid_full_reg || push;
                    s_ready_reg   <= !skid_full_next;
                end
            end
        end else begin : g_mem
            localparam PTR_LAST_I = MEM_DEPTH - 1;  // last memory entry
            localparam [PTR_BITS-1:0] PTR_LAST = PTR_LAST_I[PTR_BITS-1:0];  // PTR_LAST_I, sized
            localparam [CNT_BITS-1:0] CNT_FULL = MEM_DEPTH[CNT_BITS-1:0];  // a full memory

            // The memory, rounded up to a power of two entries when that is at
            // most 16 (a LUT-RAM of 16 or 32 entries holds either): every
            // pointer value then addresses an entry, so a simulator needs no
            // bounds check on the (wide) words.
            localparam MEM_WORDS = ((1 << PTR_BITS) <= 16) ? (1 << PTR_BITS) : MEM_DEPTH;
            reg [WIDTH-1:0] mem[0:MEM_WORDS-1];
            reg [PTR_BITS-1:0] wr_ptr_reg;
            reg [PTR_BITS-1:0] rd_ptr_reg;
            // Entries in the memory (0..MEM_DEPTH), the one occupancy counter:
            // the memory holds beats only while the output register does, so
            // the queue is full exactly when the memory is.
            reg [CNT_BITS-1:0] mem_count_reg;
            reg [CNT_BITS-1:0] mem_count_next;

            // The output register is free this cycle if empty or being popped.
            wire out_free = !out_valid_reg || pop;
            wire mem_empty = (mem_count_reg == {CNT_BITS{1'b0}});
            // A new beat bypasses the memory when the memory is empty and
            // the output register is free.
            wire bypass = push && out_free && mem_empty;
            wire mem_wr = push && !bypass;
            // Refill the output register from the memory.
            wire mem_rd = out_free && !mem_empty;

            always @* begin
                mem_count_next = mem_count_reg;
                if (mem_wr && !mem_rd) begin
                    mem_count_next = mem_count_reg + 1'b1;
                end else if (mem_rd && !mem_wr) begin
                    mem_count_next = mem_count_reg - 1'b1;
                end
            end

            // One process for the whole queue. The memory is written after it
            // is read, with a blocking assignment: the read sees the old
            // contents as with a nonblocking one (and never the written word:
            // a full queue takes no beat), and a simulator writes the word in
            // place instead of through a delayed copy.
            always @(posedge clk) begin
                if (mem_rd) begin
                    out_data_reg <= mem[rd_ptr_reg];
                end else if (bypass) begin
                    out_data_reg <= s_axis_tdata;
                end
                /* verilator lint_off BLKSEQ */
                if (mem_wr) begin
                    mem[wr_ptr_reg] = s_axis_tdata;
                end
                /* verilator lint_on BLKSEQ */
                if (rst) begin
                    wr_ptr_reg    <= {PTR_BITS{1'b0}};
                    rd_ptr_reg    <= {PTR_BITS{1'b0}};
                    mem_count_reg <= {CNT_BITS{1'b0}};
                    out_valid_reg <= 1'b0;
                    s_ready_reg   <= 1'b0;
                end else begin
                    if (mem_wr) begin
                        wr_ptr_reg <= (wr_ptr_reg == PTR_LAST) ? {PTR_BITS{1'b0}} : wr_ptr_reg + 1'b1;
                    end
                    if (mem_rd) begin
                        rd_ptr_reg <= (rd_ptr_reg == PTR_LAST) ? {PTR_BITS{1'b0}} : rd_ptr_reg + 1'b1;
                    end
                    mem_count_reg <= mem_count_next;
                    // Valid unless it empties: a beat stays, or one refills
                    // it from the memory or the input.
                    out_valid_reg <= !out_free || !mem_empty || push;
                    s_ready_reg   <= (mem_count_next != CNT_FULL);
                end
            end
        end
    endgenerate

endmodule

`default_nettype wire
