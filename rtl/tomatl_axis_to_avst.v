// tomatl_axis_to_avst: AXI4-Stream to Avalon-ST, for Intel's Platform
// Designer (the mSGDMA's stream-to-memory sink).
//
// The beat passes through combinationally (readyLatency 0): data = tdata,
// valid = tvalid, tready = ready, endofpacket = tlast. startofpacket is
// generated: it is high on the first beat after reset and on the first beat
// after a beat with tlast. empty is always 0: a tomatl frame is a whole
// number of words.
//
// Symbol order: symbol k of a beat is bits [k*SYMBOL_BITS, (k+1)*SYMBOL_BITS),
// the order in which AXI4-Stream and tomatl's memory layout hold bytes
// (DESIGN.md section 6). The component declares firstSymbolInHighOrderBits
// false for it; the data is not swapped here.
`default_nettype none

module tomatl_axis_to_avst #(
    parameter DATA_BITS   = 8,  // bits of a beat (a multiple of SYMBOL_BITS)
    parameter SYMBOL_BITS = 8,  // bits of an Avalon symbol (>= 1)
    // width of the empty signal (at least 1; carries log2 of the symbols per beat)
    parameter EMPTY_BITS  = (DATA_BITS / SYMBOL_BITS > 1) ? $clog2(DATA_BITS / SYMBOL_BITS) : 1
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire [ DATA_BITS-1:0] s_axis_tdata,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,
    output wire [ DATA_BITS-1:0] avst_data,
    output wire                  avst_valid,
    input  wire                  avst_ready,
    output wire                  avst_startofpacket,
    output wire                  avst_endofpacket,
    output wire [EMPTY_BITS-1:0] avst_empty
);

    generate
        if (SYMBOL_BITS < 1) begin : g_illegal_symbol_bits
            tomatl_illegal_parameter_SYMBOL_BITS u_illegal ();
        end
        if (DATA_BITS < SYMBOL_BITS || SYMBOL_BITS < 1 || (DATA_BITS % SYMBOL_BITS) != 0)
        begin : g_illegal_data_bits
            tomatl_illegal_parameter_DATA_BITS u_illegal ();
        end
        if (EMPTY_BITS < 1 || (SYMBOL_BITS >= 1 && DATA_BITS / SYMBOL_BITS > (1 << EMPTY_BITS)))
        begin : g_illegal_empty_bits
            tomatl_illegal_parameter_EMPTY_BITS u_illegal ();
        end
    endgenerate

    // a packet has begun: the next beat is not its first
    reg in_packet_reg;

    wire beat = s_axis_tvalid && avst_ready;

    always @(posedge clk) begin
        if (rst) begin
            in_packet_reg <= 1'b0;
        end else if (beat) begin
            in_packet_reg <= !s_axis_tlast;
        end
    end

    assign avst_data          = s_axis_tdata;
    assign avst_valid         = s_axis_tvalid;
    assign s_axis_tready      = avst_ready;
    assign avst_startofpacket = !in_packet_reg;
    assign avst_endofpacket   = s_axis_tlast;
    assign avst_empty         = {EMPTY_BITS{1'b0}};

endmodule

`default_nettype wire
